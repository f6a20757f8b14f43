"""Consecutive document numbers from a locked counter row (no gap, no duplicate).

Call inside the transaction that writes the document: the counter row stays locked (the
``UPDATE`` that takes the number row-locks it on MySQL; ``BEGIN IMMEDIATE`` holds the write
lock on SQLite) until that transaction commits, and a rollback gives the number back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, bindparam, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billbook.db.models import InvoiceCounter
from billbook.domain.numbering import financial_year, format_number

_COUNTERS = InvoiceCounter.__table__
_c = _COUNTERS.c
_KEY = (_c.series == bindparam("b_series", type_=_c.series.type)) & (_c.fy == bindparam("b_fy", type_=_c.fy.type))
#: SQLite: UPDATE ... RETURNING the new value (SQLite >= 3.35)
_BUMP_RETURNING = update(_COUNTERS).where(_KEY).values(last_number=_c.last_number + 1).returning(_c.last_number)
#: MySQL/MariaDB (no UPDATE ... RETURNING): LAST_INSERT_ID(expr) stores the new value, which the
#: server reports with the UPDATE's answer (the cursor's lastrowid): one statement, no SELECT
_BUMP_LAST_INSERT_ID = update(_COUNTERS).where(_KEY).values(last_number=func.last_insert_id(_c.last_number + 1))


def _bump(conn: Connection, series: str, fy: str) -> int | None:
    """Add one to the counter row (which locks it); the new value, or None when there is no row yet."""
    params = {"b_series": series, "b_fy": fy}
    if conn.dialect.name == "sqlite":
        return conn.execute(_BUMP_RETURNING, params).scalar()
    result = conn.execute(_BUMP_LAST_INSERT_ID, params)
    return int(result.lastrowid) if result.rowcount else None


def take_seq(conn: Connection, series: str, fy: str) -> int:
    """Take the next number of ``series`` in ``fy`` (1, 2, 3...) on the transaction's connection."""
    seq = _bump(conn, series, fy)
    if seq is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(_COUNTERS), {"series": series, "fy": fy, "last_number": 0})
        except IntegrityError:
            pass  # another terminal created it first; take the next of theirs
        seq = _bump(conn, series, fy)
        if seq is None:
            raise RuntimeError(f"number counter {series} {fy} vanished")
    return seq


def take_number(conn: Connection, series: str, prefix: str, when: dt.datetime | dt.date) -> tuple[str, str, int]:
    """(number, fy, seq) for a new document of ``series`` printed with ``prefix``."""
    fy = financial_year(when)
    seq = take_seq(conn, series, fy)
    return format_number(prefix, fy, seq), fy, seq


def next_seq(session: Session, series: str, fy: str) -> int:
    """:func:`take_seq` in an ORM Session: its pending changes are written first, and a copy of
    the counter row it holds is expired (read again on next use)."""
    session.flush()
    seq = take_seq(session.connection(), series, fy)
    counter = session.identity_map.get(session.identity_key(InvoiceCounter, (series, fy)))
    if counter is not None:
        session.expire(counter, ["last_number"])
    return seq


def next_number(session: Session, series: str, prefix: str, when: dt.datetime | dt.date) -> tuple[str, str, int]:
    """(number, fy, seq) for a new document of ``series`` printed with ``prefix`` (ORM Session)."""
    fy = financial_year(when)
    seq = next_seq(session, series, fy)
    return format_number(prefix, fy, seq), fy, seq
