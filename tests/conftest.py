"""Shared fixtures: one ``db`` fixture that runs each service test on SQLite and on MySQL.

MySQL/MariaDB tests use ``BILLBOOK_TEST_MYSQL_URL`` (a server URL without a database,
e.g. ``mysql+mysqlconnector://root@127.0.0.1:3306``). Each test session creates its own
uniquely named database and drops it afterwards. Outside CI a missing server skips those
tests with a reason; with ``CI=true`` it fails them loudly.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from billbook import clock
from billbook.db.bootstrap import open_database
from billbook.db.models import Base
from billbook.db.uow import Database
from tests import builders

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MYSQL_SERVER = os.environ.get("BILLBOOK_TEST_MYSQL_URL", "")


def mysql_unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"MySQL tests must run in CI but: {reason}", pytrace=False)
    pytest.skip(f"MySQL tests skipped: {reason}")


def _server_engine():
    if not MYSQL_SERVER:
        mysql_unavailable("BILLBOOK_TEST_MYSQL_URL is not set")
    engine = create_engine(MYSQL_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        engine.dispose()
        mysql_unavailable(f"cannot reach {MYSQL_SERVER}: {exc}")
    return engine


def create_mysql_database(prefix: str = "bbt") -> str:
    """Create a uniquely named database on the test server; returns its URL."""
    engine = _server_engine()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    engine.dispose()
    return f"{MYSQL_SERVER.rstrip('/')}/{name}"


def drop_mysql_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?")[0]
    engine = create_engine(MYSQL_SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    open_database(f"sqlite:///{path}").dispose()  # closing the last connection checkpoints the WAL
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def mysql_session_url():
    url = create_mysql_database()
    db = open_database(url)
    db.dispose()
    yield url
    drop_mysql_database(url)


def _wipe_mysql(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
        for table in reversed(Base.metadata.sorted_tables):
            conn.exec_driver_sql(f"DELETE FROM `{table.name}`")
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def db_url(request, tmp_path, sqlite_template) -> str:
    """URL of an empty, migrated billbook database: SQLite file or a MySQL database."""
    if request.param == "sqlite":
        target = tmp_path / "billbook.sqlite3"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("mysql_session_url")
    db = Database(url)
    _wipe_mysql(db)
    db.dispose()
    return url


@pytest.fixture
def db(db_url) -> Database:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def fresh_mysql_url():
    """A brand-new migrated MySQL database of its own (for multi-process tests)."""
    url = create_mysql_database("bbf")
    open_database(url).dispose()
    yield url
    drop_mysql_database(url)


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Keep every test's data dir and config in its own temp folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("BILLBOOK_HOME", str(home))
    monkeypatch.delenv("BILLBOOK_DATABASE_URL", raising=False)
    monkeypatch.delenv("BILLBOOK_USER", raising=False)
    monkeypatch.delenv("BILLBOOK_PASSWORD", raising=False)
    return home


@pytest.fixture
def admin(db):
    return builders.make_user(db, "owner", "admin")


@pytest.fixture
def cashier(db):
    return builders.make_user(db, "asha", "cashier")
