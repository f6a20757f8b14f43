"""Backup and restore as the shop uses them: back up now, restore a file, back up when due.

Restore: check, build aside, verify, then switch
    The file is checked first (zip CRCs, manifest checksum, each table's SHA-256 and row
    count, the schema revision: a newer one is refused, an older one is migrated). The
    data is then loaded into a NEW database, verified again (row counts and money totals
    per table, foreign keys, and the shop's invariants of :mod:`billbook.services.data.invariants`:
    stock = ledger, no negative stock, gapless numbers, documents that add up, dues and
    credits = their ledgers), and only then switched in (:mod:`.sqlite`, :mod:`.mysql`).
    A kill at any moment leaves either the old or the new data, never a mixture; the
    leftovers of an interrupted restore are removed by the next one. Before switching,
    a safety backup of the current data is written to the backups folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import billbook
from billbook import clock, config, files
from billbook.db import migrate
from billbook.db.models import AuditEntry, User
from billbook.db.uow import Database
from billbook.domain.permissions import Permission
from billbook.errors import PermissionDenied, ValidationError
from billbook.services.base import Actor, audit, requires
from billbook.services.data import invariants
from billbook.services.data.backup import mysql, sqlite
from billbook.services.data.backup.format import (
    BATCH, FORMAT, FORMAT_VERSION, BackupInfo, Progress, RestoreFailed, RestoreInfo, TableStats, _check_revision,
    _file_sha256, _iter_file_rows, _open_zip, column_kind, decode_value, encode_value, read_manifest,
    verify_backup,
)
from billbook.services.data.backup.schedule import auto_path, backup_dir, get_backup_settings, list_backups, prune
from billbook.services.data.backup.tables import (
    _count, _revision, data_tables, iter_batches, snapshot_connection, table_stats,
)


def cleanup_leftovers(db: Database) -> list[str]:
    """Remove what an interrupted restore left behind (temp files or aside databases)."""
    if db.is_sqlite:
        sqlite.cleanup_sqlite(sqlite.sqlite_path(db))
        return []
    return mysql.cleanup_leftovers(db)


# ------------------------------------------------------------------ writing a backup

def create_backup(db: Database, path: str | Path, *, progress: Progress | None = None,
                  force: bool = False) -> BackupInfo:
    """Write a consistent backup of ``db`` to ``path`` (no permission check: see :func:`backup`).

    Written by the safe writer (:mod:`billbook.files`): owner-only (0600, it holds password
    hashes and customers' phones), appearing under its name only when complete, never
    replacing an existing file unless ``force``, never a link or a device.
    """
    path = files.check_target(path, force=force, create_within=config.data_dir())   # refused before any work
    source = "sqlite" if db.is_sqlite else "mysql"
    reader = sqlite.online_copy(db) if db.is_sqlite else snapshot_connection(db)
    created_at = clock.now().isoformat()
    with reader as conn:
        revision = _revision(conn)
        if revision is None:
            raise ValidationError(None, "This database has no billbook schema yet; nothing to back up.")
        tables = data_tables(conn, revision)
        totals = {t.name: _count(conn, t) for t in tables}
        grand = sum(totals.values())
        done = 0
        entries = []
        with files.open_output(path, force=force, private=True, create_within=config.data_dir()) as out, \
                zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for table in tables:
                cols = list(table.columns)
                kinds = [column_kind(c.type) for c in cols]
                stats = TableStats(totals={c.name: Decimal(0) for c, k in zip(cols, kinds) if k == "decimal"})
                digest = hashlib.sha256()
                name = f"data/{table.name}.jsonl"
                with zf.open(name, "w", force_zip64=True) as fh:
                    for batch in iter_batches(conn, table):
                        buf = []
                        for row in batch:
                            buf.append(json.dumps([encode_value(k, v) for k, v in zip(kinds, row)],
                                                  ensure_ascii=False, separators=(",", ":")))
                            for c, k, v in zip(cols, kinds, row):
                                if k == "decimal" and v is not None:
                                    stats.totals[c.name] += v
                        data = ("\n".join(buf) + "\n").encode("utf-8")
                        fh.write(data)
                        digest.update(data)
                        stats.rows += len(batch)
                        done += len(batch)
                        if progress:
                            progress(table.name, done, grand)
                entries.append({"name": table.name, "file": name,
                                "columns": [[c.name, k] for c, k in zip(cols, kinds)],
                                "sha256": digest.hexdigest(), **stats.to_json()})
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": created_at,
                        "app_version": billbook.__version__, "source": source,
                        "schema_revision": revision, "tables": entries}
            mbytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            zf.writestr("manifest.json", mbytes)
            zf.writestr("manifest.sha256", f"{hashlib.sha256(mbytes).hexdigest()}  manifest.json\n")
    return BackupInfo(path, created_at, source, revision, {e["name"]: e["rows"] for e in entries},
                      path.stat().st_size, _file_sha256(path))


@requires(Permission.BACKUP)
def backup(db: Database, actor: Actor, path: str | Path, *, progress: Progress | None = None,
           force: bool = False) -> BackupInfo:
    """Back up the whole shop to ``path`` (a portable zip) while terminals keep working.

    An existing file is replaced only with ``force``; the backup is owner-only (0600).
    """
    if not str(path or "").strip():
        raise ValidationError("file", "give the backup file name")
    info = create_backup(db, path, progress=progress, force=force)
    db.run(lambda s: audit(s, actor, "backup.create", "backup", info.path.name, path=str(info.path),
                           rows=info.total_rows, sha256=info.sha256))
    return info


@requires(Permission.BACKUP)
def backup_now(db: Database, actor: Actor, *, progress: Progress | None = None) -> BackupInfo:
    """Back up into the backups folder now (``billbook-<time>-manual.zip``); kept apart from pruning counts."""
    folder = backup_dir(db)
    info = create_backup(db, auto_path(folder, "manual"), progress=progress)
    db.run(lambda s: audit(s, actor, "backup.create", "backup", info.path.name, path=str(info.path),
                           rows=info.total_rows, sha256=info.sha256))
    return info


# ------------------------------------------------------------------ loading into a new database

def _load(conn: Connection, path: Path, manifest: dict, tables: list[Table], progress: Progress | None) -> None:
    """Insert every row of the backup in ``conn``'s transaction, then check counts and totals."""
    by_name = {t.name: t for t in tables}
    grand = sum(int(e["rows"]) for e in manifest["tables"])
    done = 0
    with _open_zip(path) as zf:
        order = {t.name: i for i, t in enumerate(tables)}
        entries = sorted(manifest["tables"], key=lambda e: order.get(e["name"], -1))
        for entry in entries:
            table = by_name.get(entry["name"])
            if table is None:
                raise RestoreFailed(f"The backup has a table {entry['name']!r} that this schema does not know.")
            names = [n for n, _ in entry["columns"]]
            kinds = [k for _, k in entry["columns"]]
            unknown = [n for n in names if n not in table.c]
            if unknown:
                raise RestoreFailed(f"The backup's table {entry['name']} has unknown columns: {', '.join(unknown)}.")
            batch: list[dict] = []
            for row in _iter_file_rows(zf, entry, path):
                batch.append({n: decode_value(k, v) for n, k, v in zip(names, kinds, row)})
                if len(batch) >= BATCH:
                    conn.execute(insert(table), batch)
                    done += len(batch)
                    batch = []
                    if progress:
                        progress(table.name, done, grand)
            if batch:
                conn.execute(insert(table), batch)
                done += len(batch)
            if progress:
                progress(table.name, done, grand)
        for entry in manifest["tables"]:
            stats = table_stats(conn, by_name[entry["name"]])
            expected = {k: Decimal(v) for k, v in entry.get("totals", {}).items()}
            if stats.rows != entry["rows"] or {k: v for k, v in stats.totals.items() if k in expected} != expected:
                raise RestoreFailed(f"Verification failed for {entry['name']}: the restored rows or totals differ "
                                    "from the backup.")
        for table in tables:
            if table.name not in {e["name"] for e in manifest["tables"]} and _count(conn, table):
                raise RestoreFailed(f"Unexpected rows in {table.name} after restore.")


def _build(new_db: Database, path: Path, manifest: dict, actor: Actor | None,
           progress: Progress | None) -> str | None:
    """Migrate the empty ``new_db`` to the backup's revision, load, verify, migrate to head, audit."""
    revision = manifest["schema_revision"]
    head = migrate.head_revision()
    migrate.upgrade(new_db, revision)
    try:
        with new_db.engine.begin() as conn:
            _load(conn, path, manifest, data_tables(conn, revision), progress)
    except SQLAlchemyError as exc:
        raise RestoreFailed(f"The backup's data does not fit this database ({type(exc).__name__}: "
                            f"{getattr(exc, 'orig', exc)}); nothing was changed.") from None
    migrated_from = None
    if revision != head:
        migrate.upgrade(new_db, "head")
        migrated_from = revision
    problems = new_db.run(invariants.problems_in, readonly=True)     # the shop, not only the file
    if problems:
        raise RestoreFailed(invariants.refusal("The backup's data does not hold together, so it was not restored",
                                               problems) + " The live data was not changed.")

    def note(s: Session) -> None:
        uid = None
        if actor is not None:
            uid = s.scalar(select(User.id).where(User.id == actor.user_id, User.username == actor.username))
        s.add(AuditEntry(at=clock.now(), user_id=uid, username=actor.username if actor else "",
                         terminal=actor.terminal if actor else config.terminal_name(),
                         action="backup.restore", entity="backup", entity_id=path.name[:64],
                         details=json.dumps({"file": str(path), "schema": revision,
                                             "rows": sum(int(e["rows"]) for e in manifest["tables"])},
                                            ensure_ascii=False)))
    new_db.run(note)
    if new_db.is_sqlite:
        with new_db.engine.connect() as conn:
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            ok = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
        if problems or ok != "ok":
            raise RestoreFailed("The restored database failed its integrity check; nothing was changed.")
    return migrated_from


def _has_rows(db: Database, model) -> bool:
    try:
        return db.run(lambda s: s.scalar(select(func.count()).select_from(model)) > 0, readonly=True)
    except SQLAlchemyError:
        return False


# ------------------------------------------------------------------ restore entry points

def _restore(db: Database, path: str | Path, actor: Actor | None, *, safety_backup: bool,
             progress: Progress | None) -> RestoreInfo:
    if not str(path or "").strip():
        raise ValidationError("file", "give the backup file to restore")
    info = verify_backup(path)
    manifest = read_manifest(info.path)
    _check_revision(manifest["schema_revision"])
    safety = None
    if safety_backup and _has_rows(db, User):
        safety = auto_path(backup_dir(db), "before-restore")
        create_backup(db, safety)

    def build(new_db: Database) -> str | None:
        return _build(new_db, info.path, manifest, actor, progress)

    if db.is_sqlite:
        migrated_from = sqlite.restore_sqlite(db, build)
    else:
        migrated_from = mysql.restore_mysql(db, build)
    return RestoreInfo(info, db.display_name, migrated_from, safety)


@requires(Permission.RESTORE)
def restore(db: Database, actor: Actor, path: str | Path, *, safety_backup: bool = True,
            progress: Progress | None = None) -> RestoreInfo:
    """Replace the shop's data with a backup: checked, built aside, verified, then switched in.

    ``safety_backup`` first writes a backup of the current data to the backups folder.
    Close billbook on the other terminals first (SQLite refuses while the file is open
    elsewhere; on MySQL the switch waits up to 30 s for running transactions).
    """
    return _restore(db, path, actor, safety_backup=safety_backup, progress=progress)


def restore_new_shop(db: Database, path: str | Path, *, progress: Progress | None = None) -> RestoreInfo:
    """Restore into a database that has no users yet (a new computer): no login needed.

    Refused once the database has users — then an admin restores with :func:`restore`.
    """
    if _has_rows(db, User):
        raise PermissionDenied("This database already has users: log in as an admin to restore.")
    return _restore(db, path, None, safety_backup=False, progress=progress)


def auto_backup_if_due(db: Database, actor: Actor | None = None, *, reason: str = "scheduled",
                       force: bool = False, directory: str | Path | None = None) -> Path | None:
    """Back up if the newest automatic backup is older than ``backup.every_hours``; prune to ``backup.keep``.

    The GUI calls it on start and every hour; the day-end close calls it with
    ``reason="day-end", force=True``. Returns the new file, or None when none was due
    (or automatic backups are switched off and not forced). Needs no permission: it is
    the app looking after the shop, on behalf of whoever is logged in.
    """
    conf = get_backup_settings(db)
    if not conf.enabled and not force:
        return None
    folder = Path(directory) if directory else backup_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    existing = list_backups(folder)
    if not force and existing and clock.now() - existing[0].taken_at < dt.timedelta(hours=conf.every_hours):
        return None
    path = auto_path(folder, reason)
    info = create_backup(db, path)
    db.run(lambda s: audit(s, actor, "backup.auto", "backup", path.name, reason=reason, rows=info.total_rows,
                           sha256=info.sha256))
    prune(folder, conf.keep)
    return path
