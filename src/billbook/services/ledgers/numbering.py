"""Consecutive document numbers from a locked counter row (no gap, no duplicate).

Call inside the transaction that writes the document: the counter row stays locked (the
``UPDATE`` that takes the number row-locks it on MySQL; ``BEGIN IMMEDIATE`` holds the write
lock on SQLite) until that transaction commits, and a rollback gives the number back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from billbook.db.batch import Prepared, run_queries
from billbook.db.models import InvoiceCounter
from billbook.domain.numbering import financial_year, format_number

_COUNTERS = InvoiceCounter.__table__


_c = _COUNTERS.c
_KEY = (_c.series == bindparam("b_series", type_=_c.series.type)) & (_c.fy == bindparam("b_fy", type_=_c.fy.type))
#: SQLite: UPDATE ... RETURNING (SQLite >= 3.35); BEGIN IMMEDIATE already holds the write lock
_BUMP_SQLITE = (Prepared(update(_COUNTERS).where(_KEY).values(last_number=_c.last_number + 1)
                         .returning(_c.last_number)),)
#: MySQL/MariaDB: the UPDATE takes the row's exclusive lock (held to commit); LAST_INSERT_ID(expr)
#: keeps the new value for the SELECT sent in the same round trip: no SELECT ... FOR UPDATE first
_BUMP_MYSQL = (Prepared(update(_COUNTERS).where(_KEY).values(last_number=func.last_insert_id(_c.last_number + 1))),
               Prepared(select(func.last_insert_id())))
_INSERT_COUNTER = insert(_COUNTERS)


def bump_queries(dialect: Dialect, series: str, fy: str) -> list[tuple[Prepared, dict]]:
    """The queries that add one to the counter row, which also row-locks it until commit, for
    :func:`~billbook.db.batch.run_queries` (alone, or after other reads in the same round trip);
    :func:`bumped_seq` reads their answers."""
    queries = _BUMP_SQLITE if dialect.name == "sqlite" else _BUMP_MYSQL
    return [(q, {"b_series": series, "b_fy": fy}) for q in queries]


def bumped_seq(answers: list) -> int | None:
    """The counter's new value from the answers to :func:`bump_queries`, or None when the row
    does not exist yet."""
    if len(answers) == 1:                                  # SQLite: the RETURNING rows
        return int(answers[0][0][0]) if answers[0] else None
    changed, rows = answers                                # MySQL: row count, LAST_INSERT_ID()
    return int(rows[0][0]) if changed else None


def _bump(session: Session, series: str, fy: str) -> int | None:
    """Add one to the counter row in ONE round trip; the new value, or None when the row does
    not exist yet."""
    conn = session.connection()
    return bumped_seq(run_queries(conn, bump_queries(conn.dialect, series, fy)))


def next_seq(session: Session, series: str, fy: str) -> int:
    """Take the next number of ``series`` in ``fy`` (1, 2, 3...)."""
    if session.new or session.dirty:
        session.flush()          # Core statements below: the ORM's pending changes go first
    seq = _bump(session, series, fy)
    if seq is None:
        try:
            with session.begin_nested():
                session.connection().execute(_INSERT_COUNTER, {"series": series, "fy": fy, "last_number": 0})
        except IntegrityError:
            pass  # another terminal created it first; take the next of theirs
        seq = _bump(session, series, fy)
        if seq is None:
            raise RuntimeError(f"number counter {series} {fy} vanished")
    counter = session.identity_map.get(session.identity_key(InvoiceCounter, (series, fy)))
    if counter is not None:      # an ORM copy read earlier in this transaction: keep it true
        set_committed_value(counter, "last_number", seq)
    return seq


def next_number(session: Session, series: str, prefix: str, when: dt.datetime | dt.date) -> tuple[str, str, int]:
    """(number, fy, seq) for a new document of ``series`` printed with ``prefix``."""
    fy = financial_year(when)
    seq = next_seq(session, series, fy)
    return format_number(prefix, fy, seq), fy, seq
