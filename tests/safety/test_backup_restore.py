"""Backup → restore gives back identical data, on SQLite and MariaDB; damaged files are refused."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from billbook import clock
from billbook.db import migrate
from billbook.db.bootstrap import open_database
from billbook.db.models import AuditEntry, Base, Product, User
from billbook.db.uow import Database
from billbook.services.data import backup as bk
from billbook.errors import Conflict, PermissionDenied, ValidationError
from billbook.services.ledgers.stock import lock_products, move_stock
from tests.builders import snapshot
from tests.conftest import create_mysql_database, drop_mysql_database
from tests.safety.helpers import assert_same_data, data_without, reseal, rewrite_zip, stock_matches_ledger
from tests.safety.shopdata import fill_shop


def test_backup_then_restore_gives_identical_data(db, tmp_path):
    owner = fill_shop(db)
    before = snapshot(db)
    info = bk.backup(db, owner, tmp_path / "shop.zip")
    assert info.tables["invoices"] == 3 and info.total_rows == sum(len(v) for v in before.values())
    # the shop keeps working after the backup; the restore must throw this away
    db.run(lambda s: s.add(AuditEntry(at=clock.now(), username="x", action="later.change")))
    result = bk.restore(db, owner, info.path, safety_backup=False)
    assert result.migrated_from is None
    assert_same_data(before, data_without(db, "backup.restore"))
    restored = db.run(lambda s: s.scalars(select(AuditEntry).where(AuditEntry.action == "backup.restore")).all())
    assert len(restored) == 1 and restored[0].username == "owner"
    assert bk.cleanup_leftovers(db) == []


def test_backup_file_is_self_describing_and_exact(db, tmp_path):
    fill_shop(db)
    info = bk.create_backup(db, tmp_path / "b.zip")
    with zipfile.ZipFile(info.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        products = [json.loads(line) for line in zf.read("data/products.jsonl").splitlines()]
    assert manifest["schema_revision"] == migrate.head_revision()
    assert manifest["source"] == ("sqlite" if db.is_sqlite else "mysql")
    entry = next(t for t in manifest["tables"] if t["name"] == "products")
    cols = [c for c, _ in entry["columns"]]
    prices = sorted(row[cols.index("price")] for row in products)
    # exact decimal text, never floats (unit prices have 3 decimals since migration 0011)
    assert prices == ["350.000", "9999999999.990"]
    assert Decimal(entry["totals"]["price"]) == Decimal("10000000349.99")
    order = [t["name"] for t in manifest["tables"]]
    assert order.index("invoices") < order.index("invoice_lines") < order.index("credit_note_lines")


def test_a_sqlite_backup_restores_into_mariadb_and_back(tmp_path, fresh_mysql_url):
    lite = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    fill_shop(lite)
    before = snapshot(lite)
    info = bk.create_backup(lite, tmp_path / "from-sqlite.zip")
    maria = Database(fresh_mysql_url)
    try:
        bk.restore_new_shop(maria, info.path)
        assert_same_data(before, data_without(maria, "backup.restore"))
        back = bk.create_backup(maria, tmp_path / "from-maria.zip")
    finally:
        maria.dispose()
    other = open_database(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    bk.restore_new_shop(other, back.path)
    assert_same_data(before, data_without(other, "backup.restore"))
    lite.dispose()
    other.dispose()


def test_an_older_backup_is_migrated_on_restore(db, tmp_path):
    old_db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    base = migrate.alembic_config_for_scripts()
    from alembic.script import ScriptDirectory
    first = ScriptDirectory.from_config(base).get_base()
    migrate.upgrade(old_db, first)
    with old_db.engine.begin() as conn:
        conn.execute(insert(User.__table__), [{"id": 7, "username": "oldtimer", "full_name": "Old ✓",
                                               "password_hash": "h", "role": "admin", "active": True,
                                               "failed_attempts": 0, "created_at": dt.datetime(2025, 4, 1, 9)}])
    info = bk.create_backup(old_db, tmp_path / "old.zip")
    old_db.dispose()
    assert info.schema_revision == first != migrate.head_revision()
    result = bk.restore_new_shop(db, info.path)
    assert result.migrated_from == first
    assert migrate.current_revision(db) == migrate.head_revision()
    users = db.run(lambda s: [(u.id, u.username, u.full_name) for u in s.scalars(select(User))], readonly=True)
    assert users == [(7, "oldtimer", "Old ✓")]


def test_backup_is_consistent_while_another_terminal_keeps_writing(db, tmp_path):
    owner = fill_shop(db)
    other = Database(db.url)
    ids = db.run(lambda s: list(s.scalars(select(Product.id))), readonly=True)
    stop = threading.Event()
    writes = []

    def keep_adjusting():
        while not stop.is_set():
            def work(s):
                for p in lock_products(s, ids).values():
                    move_stock(s, [(p, Decimal("1.000"), None)], "adjustment", owner, detail="count")
            other.run(work)
            writes.append(1)

    writer = threading.Thread(target=keep_adjusting)
    writer.start()
    try:
        infos = [bk.create_backup(db, tmp_path / f"live{i}.zip") for i in range(3)]
    finally:
        stop.set()
        writer.join()
        other.dispose()
    assert len(writes) > 3, "the writer hardly ran during the backups"
    for i, info in enumerate(infos):
        target = open_database(f"sqlite:///{tmp_path / f'check{i}.sqlite3'}")
        bk.restore_new_shop(target, info.path)
        assert stock_matches_ledger(target), f"backup {i} caught a half-written adjustment"
        target.dispose()


# ------------------------------------------------------------------ damaged or foreign files

def _damaged_variants(good, tmp_path):
    """(name, path) of files that must all be refused."""
    raw = good.read_bytes()
    out = []
    trunc = tmp_path / "truncated.zip"
    trunc.write_bytes(raw[: len(raw) // 2])
    out.append(("truncated", trunc))
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip at all")
    out.append(("not a zip", junk))
    flipped = bytearray(raw)
    with zipfile.ZipFile(good) as zf:
        member = zf.getinfo("data/products.jsonl")
    at = member.header_offset + 30 + len(member.filename) + member.compress_size // 2
    flipped[at] ^= 0xFF
    fl = tmp_path / "flipped.zip"
    fl.write_bytes(bytes(flipped))
    out.append(("flipped byte", fl))

    def edit_data(name, data):
        return data.replace(b"350.00", b"351.00") if name == "data/products.jsonl" else data
    changed = tmp_path / "edited-data.zip"
    rewrite_zip(good, changed, edit_data)
    out.append(("edited data", changed))

    def edit_manifest_only(name, data):
        return data.replace(b'"rows": 3', b'"rows": 4') if name == "manifest.json" else data
    m_only = tmp_path / "edited-manifest.zip"
    rewrite_zip(good, m_only, edit_manifest_only)
    out.append(("manifest edited", m_only))

    manifest = json.loads(zipfile.ZipFile(good).read("manifest.json"))
    manifest["schema_revision"] = "9999_from_the_future"
    mbytes, mcheck = reseal(manifest)
    future = tmp_path / "future.zip"
    rewrite_zip(good, future, lambda n, d: mbytes if n == "manifest.json" else mcheck if n == "manifest.sha256" else d)
    out.append(("newer schema", future))

    missing = tmp_path / "missing-table.zip"
    rewrite_zip(good, missing, lambda n, d: None if n == "data/invoice_lines.jsonl" else d)
    out.append(("table file missing", missing))
    out.append(("no such file", tmp_path / "nope.zip"))
    return out


def test_damaged_backups_are_refused_and_nothing_changes(db, tmp_path):
    owner = fill_shop(db)
    good = bk.create_backup(db, tmp_path / "good.zip").path
    before = snapshot(db)
    for label, path in _damaged_variants(good, tmp_path):
        with pytest.raises(bk.DamagedBackup) as err:
            bk.restore(db, owner, path, safety_backup=False)
        message = str(err.value)
        assert path.name in message or "newer billbook" in message, (label, message)
        assert "Traceback" not in message
        assert snapshot(db) == before, label
    assert not list(tmp_path.glob(".*.restore-*"))


def test_a_backup_whose_rows_do_not_fit_is_refused_and_nothing_changes(db, tmp_path):
    owner = fill_shop(db)
    good = bk.create_backup(db, tmp_path / "good.zip").path
    manifest = json.loads(zipfile.ZipFile(good).read("manifest.json"))
    entry = next(t for t in manifest["tables"] if t["name"] == "invoice_lines")
    data = zipfile.ZipFile(good).read(entry["file"])
    col = [c for c, _ in entry["columns"]].index("invoice_id")
    rows = [json.loads(line) for line in data.splitlines()]
    rows[0][col] = 424242                                   # a line of an invoice that does not exist
    new_data = ("\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows) + "\n").encode()
    import hashlib
    entry["sha256"] = hashlib.sha256(new_data).hexdigest()
    mbytes, mcheck = reseal(manifest)
    forged = tmp_path / "forged.zip"
    rewrite_zip(good, forged, lambda n, d: new_data if n == entry["file"] else mbytes if n == "manifest.json"
                else mcheck if n == "manifest.sha256" else d)
    bk.verify_backup(forged)  # consistent as a file...
    before = snapshot(db)
    with pytest.raises(bk.RestoreFailed):
        bk.restore(db, owner, forged, safety_backup=False)  # ...but the database refuses it
    assert snapshot(db) == before
    assert bk.cleanup_leftovers(db) == []


def test_sqlite_restore_is_refused_while_another_program_has_the_file_open(tmp_path):
    path = tmp_path / "live.sqlite3"
    db = open_database(f"sqlite:///{path}")
    owner = fill_shop(db)
    good = bk.create_backup(db, tmp_path / "good.zip").path
    before = snapshot(db)
    elsewhere = sqlite3.connect(path)
    elsewhere.execute("SELECT count(*) FROM users").fetchone()
    try:
        with pytest.raises(Conflict, match="still open"):
            bk.restore(db, owner, good, safety_backup=False)
    finally:
        elsewhere.close()
    assert snapshot(db) == before
    bk.restore(db, owner, good, safety_backup=False)      # and works once it is closed
    db.dispose()


def test_restore_new_shop_needs_an_empty_database(db, tmp_path):
    fill_shop(db)
    good = bk.create_backup(db, tmp_path / "good.zip").path
    with pytest.raises(PermissionDenied):
        bk.restore_new_shop(db, good)


def test_restore_writes_a_safety_backup_of_the_current_data_first(db, tmp_path):
    owner = fill_shop(db)
    first = bk.create_backup(db, tmp_path / "first.zip").path
    db.run(lambda s: setattr(s.scalars(select(Product).where(Product.sku == "RICE5")).one(), "name", "Renamed"))
    current = snapshot(db)
    result = bk.restore(db, owner, first)
    assert result.safety_backup is not None and result.safety_backup.exists()
    assert result.safety_backup.parent == bk.backup_dir(db)
    # the safety backup holds the data as it was just before the restore
    bk.restore(db, owner, result.safety_backup, safety_backup=False)
    assert_same_data(current, data_without(db, "backup.restore"))


def test_bad_file_names_are_clear_errors(db):
    owner = fill_shop(db)
    before = snapshot(db)
    for bad in ("", "   ", None):
        with pytest.raises(ValidationError):
            bk.restore(db, owner, bad)
        with pytest.raises(ValidationError):
            bk.backup(db, owner, bad)
    assert snapshot(db) == before


# ------------------------------------------------------------------ automatic backups

def test_auto_backup_runs_when_due_and_keeps_the_last_n(db, tmp_path):
    owner = fill_shop(db)
    folder = tmp_path / "auto"
    bk.set_backup_settings(db, owner, every_hours=24, keep=3, directory=str(folder))
    assert bk.backup_dir(db) == folder
    first = bk.auto_backup_if_due(db, owner)
    assert first is not None and first.parent == folder
    assert bk.auto_backup_if_due(db, owner) is None            # not due yet
    clock.advance(dt.timedelta(hours=23))
    assert bk.auto_backup_if_due(db, owner) is None
    made = [first]
    for _ in range(4):
        clock.advance(dt.timedelta(hours=25))
        made.append(bk.auto_backup_if_due(db, owner))
    kept = [b.path for b in bk.list_backups(folder)]
    assert kept == list(reversed(made[-3:]))
    day_end = bk.auto_backup_if_due(db, owner, reason="day-end", force=True)   # day-end: always
    assert day_end is not None and "day-end" in day_end.name and len(bk.list_backups(folder)) == 3
    bk.verify_backup(day_end)
    assert db.run(lambda s: len(s.scalars(select(AuditEntry).where(AuditEntry.action == "backup.auto")).all()),
                  readonly=True) == 6


def test_auto_backup_can_be_switched_off_and_prune_leaves_other_files_alone(db, tmp_path):
    owner = fill_shop(db)
    folder = tmp_path / "auto"
    folder.mkdir()
    mine = folder / "my-own-copy.zip"
    mine.write_bytes(b"keep me")
    bk.set_backup_settings(db, owner, enabled=False, directory=str(folder), keep=1)
    assert bk.auto_backup_if_due(db) is None
    assert bk.auto_backup_if_due(db, reason="day-end", force=True) is not None
    clock.advance(dt.timedelta(seconds=2))
    assert bk.auto_backup_if_due(db, reason="day-end", force=True) is not None
    assert len(bk.list_backups(folder)) == 1 and mine.read_bytes() == b"keep me"
    with pytest.raises(ValidationError):
        bk.prune(folder, 0)


@pytest.mark.parametrize("kwargs", [{"every_hours": 0}, {"every_hours": -5}, {"keep": 0}, {"keep": 10**9},
                                    {"every_hours": "24; DROP TABLE settings"}, {"directory": "a\x00b"}])
def test_bad_backup_settings_are_refused(db, kwargs):
    owner = fill_shop(db)
    before = snapshot(db)
    with pytest.raises(ValidationError):
        bk.set_backup_settings(db, owner, **kwargs)
    assert snapshot(db) == before


def test_the_backup_tables_are_every_model_table():
    with Database("sqlite://").engine.connect() as conn:
        Base.metadata.create_all(conn)
        assert [t.name for t in bk.data_tables(conn, migrate.head_revision())] == \
            [t.name for t in Base.metadata.sorted_tables]


@pytest.mark.mysql
def test_mysql_restore_switches_tables_atomically_and_leaves_nothing_behind(tmp_path):
    url = create_mysql_database("bbr")
    try:
        db = open_database(url)
        owner = fill_shop(db)
        info = bk.create_backup(db, tmp_path / "m.zip")
        before = snapshot(db)
        db.run(lambda s: setattr(s.scalars(select(Product).where(Product.sku == "RICE5")).one(), "name", "changed"))
        bk.restore(db, owner, info.path, safety_backup=False)
        assert_same_data(before, data_without(db, "backup.restore"))
        from sqlalchemy import create_engine, text
        from tests.conftest import MYSQL_SERVER
        server = create_engine(MYSQL_SERVER)
        name = url.rsplit("/", 1)[1]
        with server.connect() as conn:
            names = [r[0] for r in conn.execute(text("SHOW DATABASES"))]
            fks = conn.execute(text("SELECT DISTINCT unique_constraint_schema FROM "
                                    "information_schema.referential_constraints WHERE constraint_schema = :n"),
                               {"n": name}).scalars().all()
        server.dispose()
        assert not [n for n in names if n.startswith(name + "_")]
        assert fks == [name]            # the foreign keys point inside the live database
        db.dispose()
    finally:
        drop_mysql_database(url)
