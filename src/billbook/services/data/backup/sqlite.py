"""SQLite's side of backup and restore: the online copy, and the switch by an atomic file rename.

The restored data is built in a new file next to the live one (``.<name>.restore-<hex>``)
and swapped in with ``os.replace`` (refused while another program still has the file open).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine

from billbook.db.uow import Database
from billbook.errors import Conflict, ValidationError
from billbook.services.data.backup.format import RestoreFailed


from billbook.files import fsync_dir  # the one directory fsync (also used by usecases)


@contextmanager
def online_copy(db: Database) -> Iterator[Connection]:
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



# ------------------------------------------------------------------ SQLite switch

def sqlite_path(db: Database) -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise ValidationError(None, "An in-memory database cannot be restored into.")
    return Path(name).resolve()


def cleanup_sqlite(live: Path) -> None:
    for p in live.parent.glob(f".{live.name}.restore-*"):
        p.unlink(missing_ok=True)


def restore_sqlite(db: Database, build: Callable[[Database], str | None]) -> str | None:
    live = sqlite_path(db)
    cleanup_sqlite(live)
    new_file = live.with_name(f".{live.name}.restore-{uuid.uuid4().hex[:8]}")
    new_db = Database(f"sqlite:///{new_file}")
    try:
        try:
            migrated_from = build(new_db)
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
        fsync_dir(live.parent)
        return migrated_from
    finally:
        cleanup_sqlite(live)

