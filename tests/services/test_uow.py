"""The unit of work and engine set-up, on SQLite and MySQL."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from billbook import clock
from billbook.db import uow
from billbook.db.migrate import current_revision, head_revision
from billbook.db.models import Category, Customer
from billbook.errors import DatabaseUnavailable


def _count_categories(db):
    return db.run(lambda s: len(s.scalars(select(Category)).all()), readonly=True)


def test_schema_is_at_head(db):
    assert current_revision(db) == head_revision()


def test_commits_when_the_block_ends_normally(db):
    with db.transaction() as s:
        s.add(Category(name="Grocery"))
    assert _count_categories(db) == 1


def test_rolls_back_uncommitted_work_on_error(db):
    with pytest.raises(RuntimeError):
        with db.transaction() as s:
            s.add(Category(name="Grocery"))
            s.flush()
            raise RuntimeError("boom")
    assert _count_categories(db) == 0


def test_readonly_unit_of_work_never_commits(db):
    with db.transaction(readonly=True) as s:
        s.add(Category(name="Grocery"))
        s.flush()
    assert _count_categories(db) == 0


def _locked_error():
    return OperationalError("INSERT ...", {}, Exception("database is locked"))


def test_retries_a_transient_lock_error_then_succeeds(db, monkeypatch):
    monkeypatch.setattr(uow.time, "sleep", lambda _s: None)
    calls = []

    def work(s):
        calls.append(1)
        s.add(Category(name=f"C{len(calls)}"))
        s.flush()
        if len(calls) < 3:
            raise _locked_error()
        return "done"

    assert db.run(work) == "done"
    assert len(calls) == 3
    # the failed attempts were rolled back: only the third category exists
    assert db.run(lambda s: [c.name for c in s.scalars(select(Category))]) == ["C3"]


def test_run_core_rolls_back_and_retries_like_run(db, monkeypatch):
    """The checkout's unit of work on a Core connection: each failed attempt rolls back, a
    transient lock error is retried, a lost connection becomes the plain message."""
    from sqlalchemy import insert

    monkeypatch.setattr(uow.time, "sleep", lambda _s: None)
    calls = []

    def work(conn):
        calls.append(1)
        conn.execute(insert(Category.__table__).values(name=f"K{len(calls)}"))
        if len(calls) < 3:
            raise _locked_error()
        return "done"

    assert db.run_core(work) == "done"
    assert len(calls) == 3
    assert db.run(lambda s: [c.name for c in s.scalars(select(Category))]) == ["K3"]

    class Orig(Exception):
        errno = 2013

    def lost(conn):
        conn.execute(insert(Category.__table__).values(name="lost"))
        raise OperationalError("COMMIT", {}, Orig("Lost connection to MySQL server during query"))

    with pytest.raises(DatabaseUnavailable, match="Nothing was saved"):
        db.run_core(lost)
    assert _count_categories(db) == 1


def test_gives_up_after_bounded_attempts(db, monkeypatch):
    monkeypatch.setattr(uow.time, "sleep", lambda _s: None)
    calls = []

    def work(s):
        calls.append(1)
        raise _locked_error()

    with pytest.raises(OperationalError):
        db.run(work, attempts=4)
    assert len(calls) == 4


def test_lost_connection_becomes_a_plain_message(db):
    class Orig(Exception):
        errno = 2013

    def work(s):
        raise OperationalError("SELECT 1", {}, Orig("Lost connection to MySQL server during query"))

    with pytest.raises(DatabaseUnavailable, match="Nothing was saved"):
        db.run(work)


def test_unicode_round_trips(db):
    name = "श्री गणेश किराना ₹ 🛒"
    db.run(lambda s: s.add(Customer(phone="9876543210", name=name, search_name=name.lower(), created_at=clock.now())))
    assert db.run(lambda s: s.scalars(select(Customer.name)).one()) == name


def test_engine_settings(db):
    with db.engine.connect() as conn:
        if db.is_sqlite:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        else:
            assert conn.execute(text("SELECT @@character_set_connection")).scalar() == "utf8mb4"
            engines = conn.execute(text(
                "SELECT DISTINCT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")).scalars().all()
            assert engines == ["InnoDB"]


def test_mysql_runs_on_the_drivers_c_extension(db):
    """mysql-connector's C extension, not its pure-Python protocol (several times slower per
    statement): a driver release whose extension fails to load falls back silently, so CI
    checks it (see the pin in pyproject.toml)."""
    if db.is_sqlite:
        pytest.skip("SQLite has no driver choice")
    from tests.conftest import IN_CI
    import mysql.connector
    if not mysql.connector.HAVE_CEXT and not IN_CI:
        pytest.skip("this mysql-connector install has no C extension")
    conn = db.engine.raw_connection()
    try:
        assert type(conn.driver_connection).__name__ == "CMySQLConnection"
    finally:
        conn.close()


def test_display_name_never_shows_a_password():
    from billbook.db.uow import Database
    d = Database("mysql+mysqlconnector://shop:hunter2secret@db.local:3306/billbook")
    assert "hunter2secret" not in d.display_name and "hunter2secret" not in d.safe_url
    assert d.display_name == "MySQL db.local:3306/billbook"


@pytest.mark.parametrize("errno, words", [(1045, "password was refused"), (1698, "password was refused"),
                                          (1049, "does not exist"), (1044, "denied")])
def test_refused_logins_become_plain_messages(db, errno, words):
    from sqlalchemy.exc import ProgrammingError

    class Orig(Exception):
        pass
    orig = Orig("Access denied for user 'shop'@'host' (using password: YES)")
    orig.errno = errno

    def work(s):
        raise ProgrammingError("SELECT 1", {}, orig)

    with pytest.raises(DatabaseUnavailable, match=words) as err:
        db.run(work)
    assert "shop'@" not in str(err.value)


def test_an_unreachable_server_is_a_plain_message_at_start():
    from billbook.db.bootstrap import open_database
    with pytest.raises(DatabaseUnavailable, match="Cannot reach the database"):
        open_database("mysql+mysqlconnector://shop:pw@127.0.0.1:1/billbook")


def test_migrated_schema_matches_the_models(db):
    """Alembic finds nothing to change between the migrated database and the models (tables,
    columns, indexes): a migration and the models never drift apart."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from billbook.db.models import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    found = [d for d in diff if d[0] in ("add_index", "remove_index", "add_table", "remove_table",
                                         "add_column", "remove_column")]
    if db.is_mysql:
        # the one index only MySQL has on purpose: InnoDB needs it under the foreign key
        # (models.InvoiceLine.product_id, migration 0010)
        kept = [d for d in found if d[0] == "remove_index" and d[1].name == "ix_invoice_lines_product_id"]
        assert len(kept) == 1
        found.remove(kept[0])
    assert found == []
