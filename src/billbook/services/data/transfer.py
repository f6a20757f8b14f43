"""Move a whole shop between databases: SQLite → MySQL when it grows, and back.

:func:`transfer` reads the source as of one instant (the same consistent snapshot as a
backup), creates or upgrades the target's schema, and copies every table in foreign-key
order (parents first) in batches, all in ONE transaction on the target. Before that
transaction commits it compares, per table, the row count and the exact sum of every
money/quantity column with the source; any difference rolls everything back, so the
target ends up either a complete, verified copy or exactly as empty as it was.

A target that already holds data is refused (only the default shop profile row that a
fresh ``billbook init`` creates is allowed, and replaced).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from billbook.db import migrate
from billbook.db.engine import safe_url
from billbook.db.models import Base
from billbook.db.uow import Database
from billbook.domain.permissions import Permission
from billbook.services.data import invariants
from billbook.services.data.backup import TableStats, iter_batches, snapshot_connection, table_stats
from billbook.services.base import Actor, audit, requires
from billbook.errors import BillbookError, Conflict, ValidationError

Progress = Callable[[str, int, int], None]
BATCH = 1000


class TransferFailed(BillbookError):
    """The copy did not verify; the target was rolled back to how it was."""


@dataclass(frozen=True)
class TransferReport:
    source: str
    target: str
    tables: dict[str, TableStats]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def to_json(self) -> dict:
        return {"from": self.source, "to": self.target, "total_rows": self.total_rows,
                "tables": {name: stats.to_json() for name, stats in self.tables.items()}}


def _open(url: str, field: str) -> Database:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError(field, "not a database URL (e.g. sqlite:///shop.sqlite3 or "
                                     "mysql+mysqlconnector://user:pass@host/db)") from None
    if parsed.get_backend_name() not in ("sqlite", "mysql", "mariadb"):
        raise ValidationError(field, "only sqlite and mysql+mysqlconnector databases are supported")
    if parsed.get_backend_name() == "sqlite" and (not parsed.database or parsed.database == ":memory:"):
        raise ValidationError(field, "give a SQLite file, not an in-memory database")
    if parsed.get_backend_name() != "sqlite" and not parsed.database:
        raise ValidationError(field, "the MySQL URL must name a database")
    return Database(parsed)


def _same(a: Database, b: Database) -> bool:
    ua, ub = a.engine.url, b.engine.url
    if a.is_sqlite and b.is_sqlite:
        return Path(ua.database).resolve() == Path(ub.database).resolve()
    return (a.is_mysql and b.is_mysql and (ua.host, ua.port or 3306, ua.database)
            == (ub.host, ub.port or 3306, ub.database))


#: tables a freshly initialised database may hold: the default shop profile row
_ALLOWED_IN_EMPTY = {"shop": 1}


def transfer(from_url: str, to_url: str, *, progress: Progress | None = None,
             batch_size: int = BATCH) -> TransferReport:
    """Copy the whole shop at ``from_url`` into the empty database at ``to_url``, verified.

    ``progress(table, rows_done, rows_total)`` is called as batches are copied.
    """
    src = _open(from_url, "--from")
    dst = _open(to_url, "--to")
    try:
        if _same(src, dst):
            raise ValidationError("--to", "the target is the source database")
        head = migrate.head_revision()
        try:
            src_rev = migrate.current_revision(src)
        except SQLAlchemyError as exc:
            raise ValidationError("--from", f"cannot open the source ({getattr(exc, 'orig', exc)})") from None
        if src_rev is None:
            raise ValidationError("--from", "the source has no billbook data")
        if src_rev != head:
            raise ValidationError("--from", f"the source's schema is {src_rev}, not {head}: run "
                                            "`billbook --db FROM db upgrade` first")
        try:
            dst_rev = migrate.current_revision(dst)
        except SQLAlchemyError as exc:
            raise ValidationError("--to", f"cannot open the target ({getattr(exc, 'orig', exc)})") from None
        if dst_rev != head:
            try:
                migrate.upgrade(dst)
            except Exception as exc:  # noqa: BLE001 - an unknown (newer) revision or a failed DDL
                raise ValidationError("--to", f"cannot prepare the target's schema: {exc}") from None
        tables = list(Base.metadata.sorted_tables)
        report: dict[str, TableStats] = {}
        with snapshot_connection(src) as sconn, dst.engine.begin() as dconn:
            for table in tables:
                have = dconn.execute(select(func.count()).select_from(table)).scalar_one()
                if have > _ALLOWED_IN_EMPTY.get(table.name, 0):
                    raise Conflict("--to", f"The target database is not empty ({table.name} has {have} rows); "
                                           "transfer only into a new, empty database.")
            for name in _ALLOWED_IN_EMPTY:
                dconn.execute(delete(Base.metadata.tables[name]))
            source_stats = {t.name: table_stats(sconn, t) for t in tables}
            grand = sum(s.rows for s in source_stats.values())
            done = 0
            for table in tables:
                names = [c.name for c in table.columns]
                for batch in iter_batches(sconn, table, batch_size):
                    dconn.execute(insert(table), [dict(zip(names, row)) for row in batch])
                    done += len(batch)
                    if progress:
                        progress(table.name, done, grand)
                if progress:
                    progress(table.name, done, grand)
            for table in tables:
                got = table_stats(dconn, table)
                want = source_stats[table.name]
                if got.rows != want.rows or got.totals != want.totals:
                    raise TransferFailed(
                        f"Verification failed for {table.name}: source {want.rows} rows "
                        f"{_fmt(want.totals)}, target {got.rows} rows {_fmt(got.totals)}. Nothing was kept.")
                report[table.name] = got
            with Session(bind=dconn) as check:        # the shop's invariants, before the copy is committed
                problems = invariants.problems_in(check)
            if problems:
                raise TransferFailed(invariants.refusal("The source's data does not hold together, so nothing was "
                                                        "copied", problems))
        return TransferReport(safe_url(src.engine.url), safe_url(dst.engine.url), report)
    finally:
        src.dispose()
        dst.dispose()


def _fmt(totals: dict[str, Decimal]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(totals.items()))


@requires(Permission.BACKUP)
def transfer_shop(db: Database, actor: Actor, to_url: str, *, progress: Progress | None = None) -> TransferReport:
    """Copy this shop (``db``) to the empty database ``to_url``; audited in both databases."""
    if not str(to_url or "").strip():
        raise ValidationError("--to", "give the target database URL")
    report = transfer(db.url if isinstance(db.url, str) else db.engine.url, to_url, progress=progress)
    db.run(lambda s: audit(s, actor, "data.transfer_out", "database", "", to=report.target, rows=report.total_rows))
    target = Database(make_url(to_url))
    try:
        target.run(lambda s: audit(s, actor, "data.transfer_in", "database", "", source=report.source,
                                   rows=report.total_rows))
    finally:
        target.dispose()
    return report
