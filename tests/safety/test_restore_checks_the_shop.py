"""Restores and transfers check the shop, not only the file (issue 20, point 4), on SQLite and MariaDB.

Each forged backup is self-consistent as a FILE (its checksums, row counts and totals are
recomputed, so :func:`verify_backup` passes) but its data breaks an invariant of the shop:
negative stock, a ledger that disagrees, a gap in the invoice numbers, an invoice whose
lines do not add up, dues that differ from their ledger. The restore refuses, names the
problem, and the live data is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from billbook.db.bootstrap import open_database
from billbook.db.models import Customer
from billbook.db.uow import Database
from billbook.services.data import backup as bk
from billbook.services.data import invariants
from billbook.services.data.transfer import TransferFailed, transfer
from tests.builders import snapshot
from tests.safety.helpers import reseal, rewrite_zip
from tests.safety.shopdata import fill_shop


def forge(good: Path, out: Path, table: str, change) -> Path:
    """A copy of backup ``good`` whose ``table`` rows (dicts) went through ``change`` (returns the new
    list of rows), with the data file's SHA-256, the row count, the totals and the manifest resealed."""
    with zipfile.ZipFile(good) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        entry = next(e for e in manifest["tables"] if e["name"] == table)
        cols = [c for c, _ in entry["columns"]]
        kinds = dict(entry["columns"])
        rows = [dict(zip(cols, json.loads(line))) for line in zf.read(entry["file"]).splitlines()]
    rows = change(rows)
    data = "".join(json.dumps([r[c] for c in cols], ensure_ascii=False, separators=(",", ":")) + "\n"
                   for r in rows).encode()
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    entry["rows"] = len(rows)
    entry["totals"] = {c: str(sum((Decimal(r[c]) for r in rows if r[c] is not None), Decimal(0)))
                       for c in cols if kinds[c] == "decimal"}
    mbytes, mcheck = reseal(manifest)
    rewrite_zip(good, out, lambda n, d: data if n == entry["file"] else mbytes if n == "manifest.json"
                else mcheck if n == "manifest.sha256" else d)
    bk.verify_backup(out)          # consistent as a file
    return out


def _forgeries(good: Path, tmp: Path):
    def soap_stock(rows):
        for r in rows:
            if r["sku"] == "SOAP":
                r["stock_qty"] = "-500.000"
        return rows

    with zipfile.ZipFile(good) as zf:
        entry = next(e for e in json.loads(zf.read("manifest.json"))["tables"] if e["name"] == "products")
        cols = [c for c, _ in entry["columns"]]
        soap_id = next(row[cols.index("id")] for row in map(json.loads, zf.read(entry["file"]).splitlines())
                       if row[cols.index("sku")] == "SOAP")

    def soap_opening(rows):       # SOAP's opening movement -500 as well: the ledger agrees, stock is negative
        for r in rows:
            if r["product_id"] == soap_id and r["reason"] == "opening":
                r["qty_delta"] = "-500.000"
        return rows

    negative = forge(good, tmp / "neg-a.zip", "products", soap_stock)
    negative = forge(negative, tmp / "negative.zip", "stock_movements", soap_opening)
    yield "negative stock", negative, "stock of SOAP is negative"

    def ledger_off(rows):
        rows[0]["qty_delta"] = str(Decimal(rows[0]["qty_delta"]) + 7)
        return rows
    yield "a ledger that disagrees", forge(good, tmp / "ledger.zip", "stock_movements", ledger_off), \
        "but its ledger sums to"

    def gap(rows):
        last = max(rows, key=lambda r: r["seq"])
        last["seq"] += 1
        last["number"] = f"INV/26-27/{last['seq']:06d}"
        return rows

    def counter(rows):
        for r in rows:
            if r["series"] == "INV":
                r["last_number"] += 1
        return rows
    gapped = forge(good, tmp / "gap-a.zip", "invoices", gap)
    yield "a gap in the invoice numbers", forge(gapped, tmp / "gap.zip", "invoice_counters", counter), \
        "INV 26-27: numbers are not 1..3"

    def line_off(rows):
        rows[0]["taxable"] = str(Decimal(rows[0]["taxable"]) + 1)
        return rows
    yield "an invoice whose lines do not add up", forge(good, tmp / "lines.zip", "invoice_lines", line_off), \
        "lines add up to"

    def dues_off(rows):
        rows[0]["dues"] = "5000.00"
        return rows
    yield "dues that differ from their ledger", forge(good, tmp / "dues.zip", "customers", dues_off), \
        "the dues ledger sums to"


def test_a_forged_backup_is_refused_and_the_live_data_stays(db, tmp_path):
    owner = fill_shop(db)
    good = bk.create_backup(db, tmp_path / "good.zip").path
    before = snapshot(db)
    for label, forged, words in _forgeries(good, tmp_path):
        with pytest.raises(bk.RestoreFailed) as err:
            bk.restore(db, owner, forged, safety_backup=False)
        message = str(err.value)
        assert words in message and "not restored" in message and "live data was not changed" in message, \
            (label, message)
        assert snapshot(db) == before, label
    assert bk.cleanup_leftovers(db) == []
    assert invariants.check_invariants(db, audited=False) == []
    bk.restore(db, owner, good, safety_backup=False)          # the genuine backup still restores


def test_a_forged_backup_is_refused_on_a_new_computer_too(db_url, tmp_path):
    src = open_database(f"sqlite:///{tmp_path / 'src.sqlite3'}")
    fill_shop(src)
    good = bk.create_backup(src, tmp_path / "good.zip").path
    src.dispose()
    fresh = open_database(db_url)
    try:
        _, forged, words = next(_forgeries(good, tmp_path))
        with pytest.raises(bk.RestoreFailed, match=words):
            bk.restore_new_shop(fresh, forged)
        assert not any(rows for name, rows in snapshot(fresh).items() if name not in ("shop", "alembic_version"))
    finally:
        fresh.dispose()


def test_the_first_few_problems_are_named(db):
    problems = [f"p{i}" for i in range(7)]
    assert invariants.refusal("Refused", problems) == "Refused: p0; p1; p2 (and 4 more)."
    assert invariants.refusal("Refused", problems[:2]) == "Refused: p0; p1."


@pytest.mark.parametrize("target", ["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def test_a_transfer_of_a_broken_shop_is_refused_and_copies_nothing(tmp_path, target, request):
    src_url = f"sqlite:///{tmp_path / 'src.sqlite3'}"
    src = open_database(src_url)
    fill_shop(src)
    src.run(lambda s: s.execute(update(Customer).values(dues=Decimal("99.00"))))
    src.dispose()
    dst_url = f"sqlite:///{tmp_path / 'dst.sqlite3'}" if target == "sqlite" else request.getfixturevalue(
        "fresh_mysql_url")
    with pytest.raises(TransferFailed, match="the dues ledger sums to"):
        transfer(src_url, dst_url)
    dst = Database(dst_url)
    try:
        assert snapshot(dst)["customers"] == [] and snapshot(dst)["invoices"] == []
    finally:
        dst.dispose()
