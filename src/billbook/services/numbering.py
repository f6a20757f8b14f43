"""Consecutive document numbers from a locked counter row (no gap, no duplicate).

Call inside the transaction that writes the document: the counter row stays locked (the
``UPDATE`` that takes the number row-locks it on MySQL; ``BEGIN IMMEDIATE`` holds the write
lock on SQLite) until that transaction commits, and a rollback gives the number back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from billbook.db.models import InvoiceCounter
from billbook.domain.numbering import financial_year, format_number

_COUNTERS = InvoiceCounter.__table__


_c = _COUNTERS.c
_KEY = (_c.series == bindparam("b_series", type_=_c.series.type)) & (_c.fy == bindparam("b_fy", type_=_c.fy.type))
#: SQLite: UPDATE ... RETURNING (SQLite >= 3.35); BEGIN IMMEDIATE already holds the write lock
BUMP_RETURNING = update(_COUNTERS).where(_KEY).values(last_number=_c.last_number + 1).returning(_c.last_number)
#: MySQL/MariaDB: the UPDATE takes the row's exclusive lock (held to commit); LAST_INSERT_ID(expr)
#: hands the new value back in the OK packet (cursor.lastrowid): no SELECT ... FOR UPDATE round trip
BUMP_LAST_INSERT_ID = update(_COUNTERS).where(_KEY).values(last_number=func.last_insert_id(_c.last_number + 1))
_INSERT_COUNTER = insert(_COUNTERS)


def _bump(session: Session, series: str, fy: str) -> int | None:
    """Add one to the counter row in ONE statement, which also row-locks it until commit;
    the new value, or None when the row does not exist yet."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        return conn.execute(BUMP_RETURNING, {"b_series": series, "b_fy": fy}).scalar()
    result = conn.execute(BUMP_LAST_INSERT_ID, {"b_series": series, "b_fy": fy})
    return int(result.lastrowid) if result.rowcount else None


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
