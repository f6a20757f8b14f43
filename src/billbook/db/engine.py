"""Engines for the embedded SQLite file and for a shared MySQL/MariaDB server.

SQLite: WAL journal (readers never block the writer), foreign keys on, a busy timeout,
and ``BEGIN IMMEDIATE`` for write transactions so two terminals never both read then
deadlock on upgrade; read-only units of work use a plain deferred ``BEGIN``.
MySQL/MariaDB: mysql-connector-python (its C extension when it loads), utf8mb4, InnoDB, pool
pre-ping, READ COMMITTED (row locks via ``SELECT ... FOR UPDATE`` where numbers and stock
are taken).
"""

from __future__ import annotations

import contextvars
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL


#: "IMMEDIATE" for write units of work, "DEFERRED" for read-only ones (SQLite only).
sqlite_begin_mode: contextvars.ContextVar[str] = contextvars.ContextVar("sqlite_begin_mode", default="IMMEDIATE")

SQLITE_BUSY_TIMEOUT_MS = 15000
SQLITE_PAGE_SIZE = 2048


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_mysql(url: str | URL) -> bool:
    return make_url(url).get_backend_name() in ("mysql", "mariadb")


#: MySQL/MariaDB errors that are the server's disk or mode, not the network
_MYSQL_STORAGE = {
    1021: "the database server's disk is full", 1114: "the database server's disk is full (a table is full)",
    1030: "the database server could not write its files (is its disk full?)",
    1290: "the database server is read-only", 1836: "the database server is read-only",
    1792: "the database server is read-only", 1205: "another terminal has held a lock for too long",
}
#: SQLite messages (lower case) → plain words
_SQLITE_STORAGE = (
    ("database or disk is full", "the disk holding the database is full (no space left)"),
    ("disk is full", "the disk holding the database is full (no space left)"),
    ("readonly database", "the database file or its folder is read-only"),
    ("read-only", "the database file or its folder is read-only"),
    ("database is locked", "the database is locked by another program or terminal (waited 15 s)"),
    ("database table is locked", "the database is locked by another program or terminal"),
    ("disk i/o error", "the disk reported an input/output error (is it full, removed or failing?)"),
    ("unable to open database file", "the database file cannot be opened (missing folder or no permission)"),
)


def storage_problem(exc: BaseException) -> str | None:
    """Plain words for a database error that is about the disk, not the connection: a full disk,
    a read-only file or server, a lock held too long, an I/O error. None for anything else."""
    orig = getattr(exc, "orig", exc)
    errno = getattr(orig, "errno", None)
    if isinstance(errno, int) and errno in _MYSQL_STORAGE:
        return _MYSQL_STORAGE[errno]
    text = str(orig).lower()
    if "got error 28" in text or "no space left" in text:
        return "the database server's disk is full"
    if getattr(orig, "sqlite_errorname", None) is not None or "sqlite" in type(orig).__module__:
        for needle, words in _SQLITE_STORAGE:
            if needle in text:
                return words
    return None


def safe_url(url: str | URL) -> str:
    """The URL with its password masked, for status bars and logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | URL, *, echo: bool = False, pool_size: int = 5) -> Engine:
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo)
    if url.get_backend_name() in ("mysql", "mariadb"):
        return _mysql_engine(url, echo, pool_size)
    raise ValueError(f"unsupported database {url.get_backend_name()!r}: use sqlite or mysql+mysqlconnector")


def _sqlite_engine(url: URL, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                          "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control away from the driver so we can emit BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # A new file's page size (ignored once the database has tables): a commit writes every
        # page it changed to the WAL, and a sale changes ~25 (one leaf per table and index it
        # touches), each only by a row or an index entry. 2 KiB pages make that commit about a
        # fifth cheaper than the default 4 KiB, with no measurable cost to reads (README).
        cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(f"BEGIN {sqlite_begin_mode.get()}")

    return engine


def _mysql_engine(url: URL, echo: bool, pool_size: int) -> Engine:
    query = dict(url.query)
    query.setdefault("charset", "utf8mb4")
    query.setdefault("collation", "utf8mb4_unicode_ci")
    url = url.set(query=query)
    engine = create_engine(
        url, echo=echo, pool_pre_ping=True, pool_recycle=3600, pool_size=pool_size,
        isolation_level="READ COMMITTED",
        connect_args={"connection_timeout": 10},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("SET SESSION innodb_lock_wait_timeout = 20")
        cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_TRANS_TABLES')")
        cur.close()
        dbapi_conn.__class__ = _connection_class(type(dbapi_conn))

    return engine


_CONNECTION_CLASSES: dict[type, type] = {}


def _connection_class(cls: type) -> type:
    """``cls`` (mysql-connector's connection class, pure Python or C extension) adjusted twice.

    1. Its ``cursor()`` does not ping the server. mysql-connector's ``cursor()`` calls
       ``is_connected()``, which sends a COM_PING and waits for the answer: one extra round
       trip before EVERY statement (SQLAlchemy opens a cursor per statement), nearly doubling
       the round trips of a sale. Inside ``cursor()`` this class only checks that the
       connection is open locally. Nothing is lost: the pool still pings once at checkout
       (``pool_pre_ping``), and a connection that dies later fails the statement itself with
       a connection error (2013/2055), which SQLAlchemy and ``Database.run`` handle as before.
       ``is_connected()`` anywhere else (reconnect, reset_session) still pings.
    2. The C extension's ``commit()``, ``rollback()`` and ``next_result()`` let the extension's
       own ``MySQLInterfaceError`` out instead of the DB-API error its other methods raise;
       SQLAlchemy would not recognise it (a lost connection at COMMIT would not invalidate the
       connection). Here they raise the DB-API error, as ``cmd_query`` does.
    """
    sub = _CONNECTION_CLASSES.get(cls)
    if sub is None:
        def cursor(self, *args, **kwargs):
            self._billbook_in_cursor = True
            try:
                return super(sub, self).cursor(*args, **kwargs)
            finally:
                self._billbook_in_cursor = False

        def is_connected(self) -> bool:
            if getattr(self, "_billbook_in_cursor", False):
                cmysql = getattr(self, "_cmysql", None)              # C extension
                if cmysql is not None:
                    return bool(cmysql.connected())
                return getattr(self, "_socket", None) is not None    # pure Python
            return super(sub, self).is_connected()

        members = {"cursor": cursor, "is_connected": is_connected, "__module__": __name__,
                   "__doc__": _connection_class.__doc__}
        if hasattr(cls, "_cmysql") or cls.__name__.startswith("CMySQL"):
            for name in ("commit", "rollback", "next_result"):
                members[name] = _raising_dbapi_errors(name, lambda: sub)
        sub = _CONNECTION_CLASSES[cls] = type(cls.__name__, (cls,), members)
    return sub


def _raising_dbapi_errors(name: str, owner):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(owner(), self), name)(*args, **kwargs)
        except Exception as exc:
            if type(exc).__name__ != "MySQLInterfaceError" or getattr(exc, "errno", None) is None:
                raise
            from mysql.connector.errors import get_mysql_exception  # the MySQL driver, only on MySQL
            raise get_mysql_exception(exc.errno, msg=getattr(exc, "msg", str(exc)),
                                      sqlstate=getattr(exc, "sqlstate", None)) from exc
    method.__name__ = name
    return method
