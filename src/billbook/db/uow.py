"""The unit of work: one user action, one transaction.

``Database.transaction()`` yields a Session inside a transaction that rolls back unless
the block finishes normally. ``Database.run(fn)`` does the same and retries ``fn`` a
bounded number of times on transient lock errors (MySQL deadlock 1213 / lock wait
timeout 1205, SQLite "database is locked"), so ``fn`` must do all its work through the
session it is given and have no other side effects.

``Database.run_core(fn)`` is ``run`` for a unit of work that does its work in SQLAlchemy
Core on a plain ``Connection`` (the checkout's hot path): the same transaction rules and
retries, without the ORM Session's per-transaction bookkeeping. Such a unit may still open
a Session on that connection for the part that needs the ORM (``Session(bind=conn)``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from billbook.db.engine import is_mysql, is_sqlite, make_engine, safe_url, sqlite_begin_mode, storage_problem
from billbook.errors import DatabaseUnavailable
from billbook.db import append_only, locking  # noqa: F401,E402 - session guards: append-only, fresh locked rows

T = TypeVar("T")

MAX_ATTEMPTS = 6
_MYSQL_TRANSIENT = {1213, 1205}
_MYSQL_CONNECTION_LOST = {2002, 2003, 2005, 2006, 2013, 2055, 4031}
#: the server answered but refused us: wrong user/password, no rights, no such database
_MYSQL_REFUSED = {1044: "access to the database was denied", 1045: "the user name or password was refused",
                  1698: "the user name or password was refused",
                  1049: "the database does not exist"}


def _mysql_errno(exc: BaseException) -> int | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "errno", None)


def is_transient(exc: BaseException) -> bool:
    """A lock clash worth retrying the whole transaction for."""
    if not isinstance(exc, DBAPIError):
        return False
    if _mysql_errno(exc) in _MYSQL_TRANSIENT:
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text or "deadlock" in text


def is_connection_lost(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or _mysql_errno(exc) in _MYSQL_CONNECTION_LOST:
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return "lost connection" in text or "server has gone away" in text or "connection not available" in text


class Database:
    """An engine plus a session factory; the handle every service receives."""

    def __init__(self, url: str, *, engine: Engine | None = None, pool_size: int = 5):
        self.url = url
        self.engine = engine or make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @property
    def is_mysql(self) -> bool:
        return is_mysql(self.url)

    @property
    def display_name(self) -> str:
        """'SQLite /path/file' or 'MySQL host:port/db' (never the password)."""
        url = self.engine.url
        if self.is_sqlite:
            return f"SQLite {url.database}"
        return f"MySQL {url.host}:{url.port or 3306}/{url.database}"

    @property
    def safe_url(self) -> str:
        return safe_url(self.url)

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction; commits if the block ends normally (and not ``readonly``)."""
        token = sqlite_begin_mode.set("DEFERRED" if readonly else "IMMEDIATE")
        session = self._sessions()
        try:
            session.connection()  # begin now, in the right SQLite mode
            yield session
            if readonly:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            sqlite_begin_mode.reset(token)

    def run(self, fn: Callable[[Session], T], *, readonly: bool = False,
            attempts: int = MAX_ATTEMPTS) -> T:
        """Run ``fn(session)`` in one transaction, retrying on deadlock / lock timeout."""
        def once() -> T:
            with self.transaction(readonly=readonly) as session:
                return fn(session)
        return self._retrying(once, attempts)

    def run_core(self, fn: Callable[[Connection], T], *, attempts: int = MAX_ATTEMPTS) -> T:
        """Run ``fn(connection)`` in one write transaction (SQLite: ``BEGIN IMMEDIATE``) on a
        Core Connection, committed when ``fn`` returns; retrying as :meth:`run` does."""
        def once() -> T:
            token = sqlite_begin_mode.set("IMMEDIATE")
            try:
                with self.engine.begin() as conn:
                    return fn(conn)
            finally:
                sqlite_begin_mode.reset(token)
        return self._retrying(once, attempts)

    def _retrying(self, once: Callable[[], T], attempts: int) -> T:
        for attempt in range(1, attempts + 1):
            try:
                return once()
            except DBAPIError as exc:
                if is_transient(exc) and attempt < attempts:
                    time.sleep(min(0.05 * 2 ** attempt, 1.0) * random.uniform(0.5, 1.5))
                    continue
                plain = self.unavailable(exc)
                if plain is not None:
                    raise plain from exc
                raise
        raise AssertionError("unreachable")

    def unavailable(self, exc: BaseException) -> DatabaseUnavailable | None:
        """A plain-words DatabaseUnavailable for a connection failure, or None for other errors."""
        refused = _MYSQL_REFUSED.get(_mysql_errno(exc))
        if refused:
            return DatabaseUnavailable(f"Cannot use the database ({self.display_name}): {refused}. "
                                       "Check the database settings.")
        problem = storage_problem(exc)       # a full disk, a read-only file, a lock: say which
        if problem and not is_connection_lost(exc):
            return DatabaseUnavailable(f"Cannot save to the database ({self.display_name}): {problem}. "
                                       "Nothing was saved; fix that and try again.")
        if is_connection_lost(exc) or (isinstance(exc, OperationalError) and not is_transient(exc)):
            return DatabaseUnavailable(f"Cannot reach the database ({self.display_name}). Nothing was saved; "
                                       "check the connection and try again.")
        return None

    def dispose(self) -> None:
        self.engine.dispose()
