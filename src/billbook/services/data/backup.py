"""Backups a shop owner can trust, and restores that never leave half a database.

The backup file
    One portable zip written by billbook itself (no ``mysqldump`` needed), the same for
    SQLite and MySQL, so a backup taken on one database restores into the other:

    - ``data/<table>.jsonl`` — one JSON array per row, values in the column order listed
      in the manifest; money and quantities as exact decimal text (``"1180.00"``), times
      as ISO 8601, binary as base64;
    - ``manifest.json`` — format and version, the Alembic schema revision, and per table
      its columns (with a value kind), row count, SHA-256 of the data file and the sum of
      every money/quantity column;
    - ``manifest.sha256`` — the SHA-256 of ``manifest.json``.

A consistent copy while terminals keep selling
    SQLite: the sqlite3 online-backup API copies the live file in one step (WAL mode:
    writers carry on), then the copy is exported. MySQL/MariaDB: one
    ``START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`` at REPEATABLE READ, so every
    table is read as of the same instant while other terminals keep writing.

Restore: check, build aside, verify, then switch
    The file is checked first (zip CRCs, manifest checksum, each table's SHA-256 and row
    count, the schema revision: a newer one is refused, an older one is migrated). The
    data is then loaded into a NEW database, verified again (row counts and money totals
    per table, foreign keys), and only then switched in:

    - SQLite: a new file next to the live one, swapped in with an atomic ``os.replace``
      (refused while another program still has the file open);
    - MySQL: a new database ``<name>_rs_<hex>`` on the same server, swapped in with ONE
      ``RENAME TABLE`` statement (atomic in InnoDB) that moves the live tables to
      ``<name>_old_<hex>`` (dropped afterwards) and the new ones in. The URL and the
      other terminals' configuration stay as they are. The MySQL user needs the right to
      create and drop databases.

    A kill at any moment leaves either the old or the new data, never a mixture; the
    leftovers of an interrupted restore are removed by the next one. Before switching,
    a safety backup of the current data is written to the backups folder.

Automatic backups
    :func:`auto_backup_if_due` (called by the app on start/idle and by the day-end close)
    writes ``billbook-YYYYMMDD-HHMMSS-<reason>.zip`` into the backups folder when the
    last one is older than ``backup.every_hours`` (24) and keeps the last
    ``backup.keep`` (14) automatic ones (:func:`prune`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean, Connection, Date, DateTime, Integer, LargeBinary, MetaData, Numeric, String, Table, Text,
    create_engine, func, insert, select, text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import billbook
from billbook import clock, config
from billbook.db import migrate
from billbook.db.engine import sqlite_begin_mode
from billbook.db.models import AuditEntry, Base, User
from billbook.db.uow import Database
from billbook.domain.permissions import Permission
from billbook.services import settings
from billbook.services.base import Actor, audit, requires
from billbook.errors import BillbookError, Conflict, PermissionDenied, ValidationError

FORMAT = "billbook-backup"
FORMAT_VERSION = 1
BATCH = 2000
AUTO_NAME_RE = re.compile(r"^billbook-(\d{8}-\d{6})-([a-z0-9-]+)\.zip$")
DEFAULT_EVERY_HOURS = 24
DEFAULT_KEEP = 14

Progress = Callable[[str, int, int], None]


class DamagedBackup(BillbookError):
    """The backup file is unreadable, altered or not a billbook backup; nothing was changed."""


class RestoreFailed(BillbookError):
    """The data could not be restored; the live database was left exactly as it was."""


@dataclass
class TableStats:
    rows: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"rows": self.rows, "totals": {k: str(v) for k, v in sorted(self.totals.items())}}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: str
    source: str
    schema_revision: str
    tables: dict[str, int]
    size: int
    sha256: str

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> dict:
        return {"path": str(self.path), "created_at": self.created_at, "source": self.source,
                "schema_revision": self.schema_revision, "tables": self.tables,
                "total_rows": self.total_rows, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class RestoreInfo:
    backup: BackupInfo
    database: str
    migrated_from: str | None
    safety_backup: Path | None

    def to_json(self) -> dict:
        return {"restored_from": str(self.backup.path), "database": self.database,
                "schema_revision": self.backup.schema_revision, "migrated_from": self.migrated_from,
                "tables": self.backup.tables, "total_rows": self.backup.total_rows,
                "safety_backup": str(self.safety_backup) if self.safety_backup else None}


# ------------------------------------------------------------------ values and tables

def column_kind(coltype: Any) -> str:
    """How a column's values are written in a backup: decimal, datetime, date, bytes, bool, int, str."""
    if isinstance(coltype, Boolean):
        return "bool"
    if isinstance(coltype, Numeric):
        return "decimal"
    if isinstance(coltype, DateTime):
        return "datetime"
    if isinstance(coltype, Date):
        return "date"
    if isinstance(coltype, LargeBinary):
        return "bytes"
    if isinstance(coltype, Integer):
        return "int"
    if isinstance(coltype, (String, Text)):
        return "str"
    try:
        py = coltype.python_type
    except NotImplementedError:
        return "str"
    return {Decimal: "decimal", dt.datetime: "datetime", dt.date: "date", bytes: "bytes", bool: "bool",
            int: "int"}.get(py, "str")


def encode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "decimal":
        return str(value if isinstance(value, Decimal) else Decimal(str(value)))
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    return str(value)


def decode_value(kind: str, value: Any) -> Any:
    """The Python value for a backup value; raises ValueError/TypeError on a malformed one."""
    if value is None:
        return None
    if kind == "decimal":
        if not isinstance(value, str):
            raise TypeError("decimal must be text")
        number = Decimal(value)
        if not number.is_finite():
            raise ValueError("not a finite number")
        return number
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError("bool expected")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("integer expected")
        return value
    if not isinstance(value, str):
        raise TypeError("text expected")
    return value


def data_tables(conn: Connection, revision: str | None) -> list[Table]:
    """The database's tables in foreign-key order (parents first), without alembic_version."""
    if revision == migrate.head_revision():
        return list(Base.metadata.sorted_tables)
    md = MetaData()
    md.reflect(conn)
    return [t for t in md.sorted_tables if t.name != "alembic_version"]


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext
    return MigrationContext.configure(conn).get_current_revision()


def iter_batches(conn: Connection, table: Table, batch_size: int = BATCH,
                 columns: list | None = None) -> Iterator[list[tuple]]:
    """Rows of ``table`` (all columns, or ``columns``) in primary-key order, a batch at a time.

    Single integer keys are paged by key (``WHERE id > last ORDER BY id LIMIT n``), so a
    large table is never held in memory; other tables are small and read at once.
    """
    pk = list(table.primary_key.columns)
    columns = list(columns or table.columns)
    if len(pk) == 1 and isinstance(pk[0].type, Integer):
        key = pk[0]
        shown = columns if key in columns else [key, *columns]
        key_index = shown.index(key)
        cut = 0 if key in columns else 1
        last = None
        while True:
            stmt = select(*shown).order_by(key).limit(batch_size)
            if last is not None:
                stmt = stmt.where(key > last)
            rows = [tuple(r) for r in conn.execute(stmt)]
            if rows:
                last = rows[-1][key_index]
                yield [r[cut:] for r in rows] if cut else rows
            if len(rows) < batch_size:
                return
    else:
        rows = [tuple(r) for r in conn.execute(select(*columns).order_by(*(pk or columns)))]
        for i in range(0, len(rows), batch_size):
            yield rows[i:i + batch_size]


def table_stats(conn: Connection, table: Table) -> TableStats:
    """Row count and the exact sum of every decimal column (summed in Python: exact on SQLite too)."""
    dec_cols = [c for c in table.columns if column_kind(c.type) == "decimal"]
    stats = TableStats(totals={c.name: Decimal(0) for c in dec_cols})
    if not dec_cols:
        stats.rows = _count(conn, table)
        return stats
    for batch in iter_batches(conn, table, columns=dec_cols):
        stats.rows += len(batch)
        for row in batch:
            for col, value in zip(dec_cols, row):
                if value is not None:
                    stats.totals[col.name] += value
    return stats


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


# ------------------------------------------------------------------ consistent reads

@contextmanager
def snapshot_connection(db: Database) -> Iterator[Connection]:
    """A connection reading the whole database as of one instant (others keep writing).

    MySQL: REPEATABLE READ + ``START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY``.
    SQLite (WAL): a deferred read transaction; its snapshot is fixed by the first read.
    """
    if db.is_mysql:
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            try:
                yield conn
            finally:
                conn.rollback()
        return
    with db.engine.connect() as conn:
        token = sqlite_begin_mode.set("DEFERRED")
        try:
            conn.begin()
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()  # the first read fixes the snapshot
        finally:
            sqlite_begin_mode.reset(token)   # other databases opened meanwhile still write with IMMEDIATE
        try:
            yield conn
        finally:
            conn.rollback()


@contextmanager
def _sqlite_online_copy(db: Database) -> Iterator[Connection]:
    """Copy the live SQLite file with the online-backup API; yield a connection to the copy."""
    tmpdir = tempfile.mkdtemp(prefix="billbook-bk-")
    copy = Path(tmpdir) / "snapshot.sqlite3"
    raw = db.engine.raw_connection()
    try:
        dst = sqlite3.connect(copy)
        try:
            raw.driver_connection.backup(dst)   # one step: a consistent copy
        finally:
            dst.close()
    finally:
        raw.close()
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
        for p in Path(tmpdir).iterdir():
            p.unlink()
        os.rmdir(tmpdir)


# ------------------------------------------------------------------ writing a backup

def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def create_backup(db: Database, path: str | Path, *, progress: Progress | None = None) -> BackupInfo:
    """Write a consistent backup of ``db`` to ``path`` (no permission check: see :func:`backup`).

    The file appears under its name only when complete (written aside, then renamed).
    """
    path = Path(path).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    source = "sqlite" if db.is_sqlite else "mysql"
    reader = _sqlite_online_copy(db) if db.is_sqlite else snapshot_connection(db)
    part = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    created_at = clock.now().isoformat()
    try:
        with reader as conn:
            revision = _revision(conn)
            if revision is None:
                raise ValidationError(None, "This database has no billbook schema yet; nothing to back up.")
            tables = data_tables(conn, revision)
            totals = {t.name: _count(conn, t) for t in tables}
            grand = sum(totals.values())
            done = 0
            entries = []
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
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
        with open(part, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(part, path)
        _fsync_dir(path.parent)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return BackupInfo(path, created_at, source, revision, {e["name"]: e["rows"] for e in entries},
                      path.stat().st_size, _file_sha256(path))


@requires(Permission.BACKUP)
def backup(db: Database, actor: Actor, path: str | Path, *, progress: Progress | None = None) -> BackupInfo:
    """Back up the whole shop to ``path`` (a portable zip) while terminals keep working."""
    if not str(path or "").strip():
        raise ValidationError("file", "give the backup file name")
    info = create_backup(db, path, progress=progress)
    db.run(lambda s: audit(s, actor, "backup.create", "backup", info.path.name, path=str(info.path),
                           rows=info.total_rows, sha256=info.sha256))
    return info


@requires(Permission.BACKUP)
def backup_now(db: Database, actor: Actor, *, progress: Progress | None = None) -> BackupInfo:
    """Back up into the backups folder now (``billbook-<time>-manual.zip``); kept apart from pruning counts."""
    folder = backup_dir(db)
    info = create_backup(db, _auto_path(folder, "manual"), progress=progress)
    db.run(lambda s: audit(s, actor, "backup.create", "backup", info.path.name, path=str(info.path),
                           rows=info.total_rows, sha256=info.sha256))
    return info


# ------------------------------------------------------------------ reading and checking a file

def _open_zip(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise DamagedBackup(f"No backup file at {path}.")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DamagedBackup(f"{path.name} is not a billbook backup or is damaged ({exc}).") from None


def read_manifest(path: str | Path) -> dict:
    """The manifest of a backup file, after checking it against ``manifest.sha256``."""
    path = Path(path).expanduser()
    with _open_zip(path) as zf:
        return _manifest(zf, path)


def _manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        mbytes = zf.read("manifest.json")
        expected = zf.read("manifest.sha256").decode("ascii").split()[0]
    except KeyError:
        raise DamagedBackup(f"{path.name} is not a billbook backup (no manifest).") from None
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, IndexError, EOFError, zlib.error) as exc:
        raise DamagedBackup(f"{path.name} is damaged: {exc}.") from None
    if hashlib.sha256(mbytes).hexdigest() != expected:
        raise DamagedBackup(f"{path.name} is damaged: its manifest does not match its checksum.")
    try:
        manifest = json.loads(mbytes)
    except ValueError:
        raise DamagedBackup(f"{path.name} is damaged: unreadable manifest.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DamagedBackup(f"{path.name} is not a billbook backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise DamagedBackup(f"{path.name} uses backup format {manifest.get('format_version')}; "
                            "this billbook reads format 1 — update billbook.")
    if not isinstance(manifest.get("tables"), list) or not isinstance(manifest.get("schema_revision"), str):
        raise DamagedBackup(f"{path.name} is damaged: incomplete manifest.")
    return manifest


def _iter_file_rows(zf: zipfile.ZipFile, entry: dict, path: Path) -> Iterator[list]:
    """Rows of one table file; checks its SHA-256 and row count as it reads."""
    digest = hashlib.sha256()
    rows = 0
    try:
        with zf.open(entry["file"]) as fh:
            for line in fh:
                digest.update(line)
                rows += 1
                yield json.loads(line)
    except KeyError:
        raise DamagedBackup(f"{path.name} is damaged: {entry.get('file')} is missing.") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:   # zlib: a flipped byte
        raise DamagedBackup(f"{path.name} is damaged in {entry.get('file')}: {exc}.") from None
    if digest.hexdigest() != entry.get("sha256") or rows != entry.get("rows"):
        raise DamagedBackup(f"{path.name} is damaged: {entry.get('file')} does not match its checksum.")


def verify_backup(path: str | Path) -> BackupInfo:
    """Check a backup completely (zip, checksums, row counts, totals, every value); raise DamagedBackup."""
    path = Path(path).expanduser().resolve()
    with _open_zip(path) as zf:
        manifest = _manifest(zf, path)
        counts = {}
        for entry in manifest["tables"]:
            try:
                kinds = [k for _, k in entry["columns"]]
                dec = {i: name for i, (name, k) in enumerate(entry["columns"]) if k == "decimal"}
                totals = {name: Decimal(0) for name in dec.values()}
                width = len(kinds)
            except (KeyError, TypeError, ValueError):
                raise DamagedBackup(f"{path.name} is damaged: incomplete manifest.") from None
            for row in _iter_file_rows(zf, entry, path):
                if not isinstance(row, list) or len(row) != width:
                    raise DamagedBackup(f"{path.name} is damaged in {entry['file']}: a row has the wrong shape.")
                try:
                    values = [decode_value(k, v) for k, v in zip(kinds, row)]
                except (ValueError, TypeError, InvalidOperation, ArithmeticError):
                    raise DamagedBackup(f"{path.name} is damaged in {entry['file']}: a bad value.") from None
                for i, name in dec.items():
                    if values[i] is not None:
                        totals[name] += values[i]
            try:
                expected = {k: Decimal(v) for k, v in entry.get("totals", {}).items()}
            except (InvalidOperation, TypeError, AttributeError):
                raise DamagedBackup(f"{path.name} is damaged: incomplete manifest.") from None
            if expected != totals:
                raise DamagedBackup(f"{path.name} is damaged: the totals of {entry['name']} do not add up.")
            counts[entry["name"]] = entry["rows"]
    return BackupInfo(path, str(manifest.get("created_at", "")), str(manifest.get("source", "")),
                      manifest["schema_revision"], counts, path.stat().st_size, _file_sha256(path))


def _check_revision(revision: str) -> None:
    from alembic.script import ScriptDirectory
    script = ScriptDirectory.from_config(migrate.alembic_config_for_scripts())
    try:
        known = script.get_revision(revision)
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise DamagedBackup(f"This backup comes from a newer billbook (schema {revision}); "
                            "update billbook on this computer, then restore.")


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


# ------------------------------------------------------------------ SQLite switch

def _sqlite_path(db: Database) -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise ValidationError(None, "An in-memory database cannot be restored into.")
    return Path(name).resolve()


def _cleanup_sqlite(live: Path) -> None:
    for p in live.parent.glob(f".{live.name}.restore-*"):
        p.unlink(missing_ok=True)


def _restore_sqlite(db: Database, path: Path, manifest: dict, actor: Actor | None,
                    progress: Progress | None) -> str | None:
    live = _sqlite_path(db)
    _cleanup_sqlite(live)
    new_file = live.with_name(f".{live.name}.restore-{uuid.uuid4().hex[:8]}")
    new_db = Database(f"sqlite:///{new_file}")
    try:
        try:
            migrated_from = _build(new_db, path, manifest, actor, progress)
        finally:
            new_db.dispose()      # last connection closed: WAL checkpointed into the file and removed
        for suffix in ("-wal", "-shm"):
            if Path(f"{new_file}{suffix}").exists():
                raise RestoreFailed("The restored file could not be closed cleanly; nothing was changed.")
        with open(new_file, "rb+") as fh:
            os.fsync(fh.fileno())
        # Let go of the live file; it must have no other user and no unwritten WAL.
        db.engine.dispose()
        if live.exists():
            raw = sqlite3.connect(live, isolation_level=None, timeout=5)
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.close()
        if Path(f"{live}-wal").exists() or Path(f"{live}-shm").exists():
            raise Conflict(None, "The database is still open in another billbook window or terminal; "
                                 "close it there and try again. Nothing was changed.")
        os.replace(new_file, live)
        _fsync_dir(live.parent)
        return migrated_from
    finally:
        _cleanup_sqlite(live)


# ------------------------------------------------------------------ MySQL switch

_IDENT_RE = re.compile(r"^[A-Za-z0-9_$]{1,64}$")


def quote_ident(name: str) -> str:
    """A MySQL identifier in backticks; only plain names are accepted (never user text)."""
    if not _IDENT_RE.match(name or ""):
        raise ValidationError(None, f"unsupported database or table name {name!r}")
    return f"`{name}`"


def _ddl(conn: Connection, template: str, *names: str) -> None:
    """Run DDL whose only variable parts are identifiers, each checked by :func:`quote_ident`."""
    conn.exec_driver_sql(template.format(*[quote_ident(n) for n in names]))


def _server_url(db: Database, database: str | None):
    return db.engine.url.set(database=database)


def _mysql_tables(conn: Connection, schema: str) -> list[str]:
    return list(conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                                  "AND table_type = 'BASE TABLE'"), {"s": schema}).scalars())


def _aside_names(live: str) -> tuple[str, str, re.Pattern]:
    stem = live[:48]
    tag = uuid.uuid4().hex[:8]
    return f"{stem}_rs_{tag}", f"{stem}_old_{tag}", re.compile(rf"^{re.escape(stem)}_(rs|old)_[0-9a-f]{{8}}$")


def cleanup_leftovers(db: Database) -> list[str]:
    """Remove what an interrupted restore left behind (temp files or aside databases)."""
    if db.is_sqlite:
        _cleanup_sqlite(_sqlite_path(db))
        return []
    live = db.engine.url.database
    _, _, pattern = _aside_names(live)
    server = create_engine(_server_url(db, None), isolation_level="AUTOCOMMIT")
    dropped = []
    try:
        with server.connect() as conn:
            for (name,) in conn.exec_driver_sql("SHOW DATABASES"):
                if pattern.match(name):
                    _ddl(conn, "DROP DATABASE IF EXISTS {}", name)
                    dropped.append(name)
    finally:
        server.dispose()
    return dropped


def _restore_mysql(db: Database, path: Path, manifest: dict, actor: Actor | None,
                   progress: Progress | None) -> str | None:
    live = db.engine.url.database
    if not live:
        raise ValidationError(None, "The MySQL URL names no database.")
    cleanup_leftovers(db)
    new_name, old_name, _ = _aside_names(live)
    server = create_engine(_server_url(db, None), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            try:
                _ddl(conn, "CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", new_name)
            except SQLAlchemyError as exc:
                raise RestoreFailed(
                    "The MySQL user may not create databases, which a safe restore needs (it builds the "
                    f"restored copy aside first): {getattr(exc, 'orig', exc)}. Nothing was changed.") from None
        new_db = Database(_server_url(db, new_name))  # a URL object: the password is never put in a string
        try:
            migrated_from = _build(new_db, path, manifest, actor, progress)
        finally:
            new_db.dispose()
        db.engine.dispose()
        with server.connect() as conn:
            conn.exec_driver_sql("SET SESSION lock_wait_timeout = 30")
            _ddl(conn, "CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", old_name)
            new_tables = _mysql_tables(conn, new_name)
            live_tables = set(_mysql_tables(conn, live))
            moves = []
            for t in sorted(live_tables & set(new_tables)):
                moves.append((live, t, old_name, t))
            for t in sorted(new_tables):
                moves.append((new_name, t, live, t))
            template = "RENAME TABLE " + ", ".join("{}.{} TO {}.{}" for _ in moves)
            try:
                _ddl(conn, template, *[n for m in moves for n in m])   # one atomic statement
            except SQLAlchemyError as exc:
                raise RestoreFailed(f"Could not switch to the restored data ({getattr(exc, 'orig', exc)}); "
                                    "the live database was not changed.") from None
        return migrated_from
    finally:
        try:
            with server.connect() as conn:
                for name in (new_name, old_name):
                    _ddl(conn, "DROP DATABASE IF EXISTS {}", name)
        finally:
            server.dispose()


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
        safety = _auto_path(backup_dir(db), "before-restore")
        create_backup(db, safety)
    if db.is_sqlite:
        migrated_from = _restore_sqlite(db, info.path, manifest, actor, progress)
    else:
        migrated_from = _restore_mysql(db, info.path, manifest, actor, progress)
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


# ------------------------------------------------------------------ automatic backups

def backup_dir(db: Database | None = None) -> Path:
    """Where automatic backups go: setting ``backup.dir``, else ``<data dir>/backups``."""
    configured = None
    if db is not None:
        try:
            configured = db.run(lambda s: settings.get(s, "backup.dir"), readonly=True)
        except SQLAlchemyError:
            configured = None
    path = Path(configured).expanduser() if configured else config.data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _auto_path(directory: Path, reason: str) -> Path:
    reason = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "auto"
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    path = directory / f"billbook-{stamp}-{reason}.zip"
    n = 2
    while path.exists():
        path = directory / f"billbook-{stamp}-{reason}-{n}.zip"
        n += 1
    return path


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: dt.datetime
    reason: str
    size: int

    def to_json(self) -> dict:
        return {"path": str(self.path), "taken_at": self.taken_at.isoformat(), "reason": self.reason,
                "size": self.size}


def list_backups(directory: str | Path) -> list[BackupFile]:
    """Automatic backups in ``directory``, newest first (only files named by billbook)."""
    out = []
    for p in Path(directory).glob("billbook-*.zip"):
        m = AUTO_NAME_RE.match(p.name)
        if not m:
            continue
        try:
            taken = dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
            size = p.stat().st_size
        except (ValueError, OSError):
            continue
        out.append(BackupFile(p, taken, m.group(2), size))
    return sorted(out, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def prune(directory: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups in ``directory``; returns what was deleted."""
    if keep < 1:
        raise ValidationError("keep", "keep at least one backup")
    removed = []
    for old in list_backups(directory)[keep:]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


@dataclass(frozen=True)
class BackupSettings:
    every_hours: int
    keep: int
    directory: str
    enabled: bool

    def to_json(self) -> dict:
        return {"every_hours": self.every_hours, "keep": self.keep, "directory": self.directory,
                "enabled": self.enabled}


def _read_settings(s: Session) -> BackupSettings:
    return BackupSettings(max(1, settings.get_int(s, "backup.every_hours", DEFAULT_EVERY_HOURS)),
                          max(1, settings.get_int(s, "backup.keep", DEFAULT_KEEP)),
                          settings.get(s, "backup.dir", "") or "",
                          (settings.get(s, "backup.auto", "1") or "1") != "0")


def get_backup_settings(db: Database) -> BackupSettings:
    return db.run(_read_settings, readonly=True)


@requires(Permission.BACKUP)
def set_backup_settings(db: Database, actor: Actor, *, every_hours: int | None = None, keep: int | None = None,
                        directory: str | None = None, enabled: bool | None = None) -> BackupSettings:
    """Change the automatic-backup schedule (hours between backups, how many to keep, folder)."""
    if every_hours is not None and (not isinstance(every_hours, int) or not 1 <= every_hours <= 24 * 31):
        raise ValidationError("every_hours", "between 1 and 744 hours")
    if keep is not None and (not isinstance(keep, int) or not 1 <= keep <= 1000):
        raise ValidationError("keep", "between 1 and 1000 backups")
    if directory is not None:
        directory = str(directory).strip()
        if directory and ("\x00" in directory or len(directory) > 1000):
            raise ValidationError("directory", "not a usable folder name")

    def work(s: Session) -> BackupSettings:
        changes = {}
        for key, value in (("every_hours", every_hours), ("keep", keep), ("dir", directory),
                           ("auto", None if enabled is None else ("1" if enabled else "0"))):
            if value is not None:
                settings.put(s, f"backup.{key}", str(value))
                changes[key] = value
        audit(s, actor, "settings.backup", "settings", "backup", **changes)
        return _read_settings(s)

    return db.run(work)


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
    path = _auto_path(folder, reason)
    info = create_backup(db, path)
    db.run(lambda s: audit(s, actor, "backup.auto", "backup", path.name, reason=reason, rows=info.total_rows,
                           sha256=info.sha256))
    prune(folder, conf.keep)
    return path
