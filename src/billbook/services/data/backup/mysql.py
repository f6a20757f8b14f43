"""MySQL/MariaDB's side of restore: the data built in an aside database, switched in by one RENAME TABLE.

A new database ``<name>_rs_<hex>`` on the same server is loaded and checked, then ONE
``RENAME TABLE`` statement (atomic in InnoDB) moves the live tables to ``<name>_old_<hex>``
(dropped afterwards) and the new ones in. The URL and the other terminals' configuration
stay as they are. The MySQL user needs the right to create and drop databases.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from billbook.db.uow import Database
from billbook.errors import ValidationError
from billbook.services.data.backup.format import RestoreFailed


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
    """Drop the aside databases an interrupted restore left behind on the server."""
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


def restore_mysql(db: Database, build: Callable[[Database], str | None]) -> str | None:
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
            migrated_from = build(new_db)
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

