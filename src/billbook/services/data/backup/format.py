"""The backup file format: values, the manifest, and reading/checking a backup zip.

    - ``data/<table>.jsonl`` — one JSON array per row, values in the column order listed
      in the manifest; money and quantities as exact decimal text (``"1180.00"``), times
      as ISO 8601, binary as base64;
    - ``manifest.json`` — format and version, the Alembic schema revision, and per table
      its columns (with a value kind), row count, SHA-256 of the data file and the sum of
      every money/quantity column;
    - ``manifest.sha256`` — the SHA-256 of ``manifest.json``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.types import TypeDecorator

from billbook import files
from billbook.db import migrate
from billbook.errors import BillbookError

FORMAT = "billbook-backup"
FORMAT_VERSION = 1
#: limits for reading a backup (bounded whatever the file holds)
MAX_ROW_BYTES = 32 * 1024 * 1024         # one row (a 4 MB logo is 5.4 MB of base64)
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_PACKING_RATIO = 100                  # unpacked / packed; real backups pack 5-20 times
MIN_UNPACKED_LIMIT = 512 * 1024 * 1024   # small backups may always unpack to this much
MAX_ENTRIES = 1000
BATCH = 2000

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
    if isinstance(coltype, TypeDecorator):          # Money, Blob...: by the type they store
        coltype = coltype.impl_instance
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


# ------------------------------------------------------------------ reading and checking a file

def unpacked_limit(archive_size: int) -> int:
    """How many bytes a backup of ``archive_size`` bytes may unpack to, all entries together."""
    return max(MIN_UNPACKED_LIMIT, archive_size * MAX_PACKING_RATIO)


def _open_zip(path: Path) -> zipfile.ZipFile:
    """The backup zip, refused at once when it is not a regular file, too large, or would unpack to far
    more than any real backup does (a zip bomb): every entry's size is declared in the zip and
    enforced while it is read (a longer entry fails its CRC)."""
    if not path.is_file():
        raise DamagedBackup(f"No backup file at {path}.")
    try:
        size = path.stat().st_size
        if size > files.MAX_BACKUP_BYTES:
            raise DamagedBackup(f"{path.name} is too large for a billbook backup ({size:,} bytes).")
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DamagedBackup(f"{path.name} is not a billbook backup or is damaged ({exc}).") from None
    unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > unpacked_limit(size) or len(zf.infolist()) > MAX_ENTRIES:
        zf.close()
        raise DamagedBackup(f"{path.name} is not a billbook backup: it would unpack to {unpacked:,} bytes from "
                            f"{size:,} (at most {unpacked_limit(size):,}), refused before reading it.")
    return zf


def _read_entry(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise DamagedBackup(f"{name} in the backup is larger than {limit:,} bytes.")
    with zf.open(info) as fh:
        return fh.read(limit + 1)


def read_manifest(path: str | Path) -> dict:
    """The manifest of a backup file, after checking it against ``manifest.sha256``."""
    path = Path(path).expanduser()
    with _open_zip(path) as zf:
        return _manifest(zf, path)


def _manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        mbytes = _read_entry(zf, "manifest.json", MAX_MANIFEST_BYTES)
        expected = _read_entry(zf, "manifest.sha256", 1024).decode("ascii").split()[0]
    except KeyError:
        raise DamagedBackup(f"{path.name} is not a billbook backup (no manifest).") from None
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, IndexError, EOFError, zlib.error) as exc:
        raise DamagedBackup(f"{path.name} is damaged: {exc}.") from None
    if hashlib.sha256(mbytes).hexdigest() != expected:
        raise DamagedBackup(f"{path.name} is damaged: its manifest does not match its checksum.")
    try:
        manifest = json.loads(mbytes)
    except (ValueError, RecursionError):
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
    """Rows of one table file, streamed; checks its SHA-256 and row count as it reads.

    A row longer than ``MAX_ROW_BYTES`` is refused as soon as that much has been read, so a
    crafted entry never has to fit in memory.
    """
    digest = hashlib.sha256()
    rows = 0
    try:
        with zf.open(entry["file"]) as fh:
            while True:
                line = fh.readline(MAX_ROW_BYTES + 1)
                if not line:
                    break
                if len(line) > MAX_ROW_BYTES:
                    raise DamagedBackup(f"{path.name} is not a usable backup: {entry.get('file')} has a row "
                                        f"longer than {MAX_ROW_BYTES // (1024 * 1024)} MB (row {rows + 1}).")
                digest.update(line)
                rows += 1
                yield json.loads(line)
    except (KeyError, TypeError):
        raise DamagedBackup(f"{path.name} is damaged: {entry.get('file')} is missing.") from None
    except RecursionError:
        raise DamagedBackup(f"{path.name} is damaged in {entry.get('file')}: a row nested too deep.") from None
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


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
