"""Reading a database's tables for a backup or a transfer: in key order, in batches, as of one instant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import Connection, Integer, MetaData, Table, func, select

from billbook.db import migrate
from billbook.db.engine import sqlite_begin_mode
from billbook.db.models import Base
from billbook.db.uow import Database
from billbook.services.data.backup.format import BATCH, TableStats, column_kind


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

