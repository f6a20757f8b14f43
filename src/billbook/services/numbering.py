"""Consecutive document numbers from a locked counter row (no gap, no duplicate).

Call inside the transaction that writes the document: the counter row stays locked
(``SELECT ... FOR UPDATE`` on MySQL, the write lock of ``BEGIN IMMEDIATE`` on SQLite)
until that transaction commits, and a rollback gives the number back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billbook.db.models import InvoiceCounter
from billbook.domain.numbering import financial_year, format_number


def next_seq(session: Session, series: str, fy: str) -> int:
    """Take the next number of ``series`` in ``fy`` (1, 2, 3...)."""
    stmt = select(InvoiceCounter).where(InvoiceCounter.series == series, InvoiceCounter.fy == fy).with_for_update()
    counter = session.scalars(stmt).one_or_none()
    if counter is None:
        try:
            with session.begin_nested():
                session.add(InvoiceCounter(series=series, fy=fy, last_number=0))
        except IntegrityError:
            pass  # another terminal created it first; lock theirs
        counter = session.scalars(stmt).one()
    counter.last_number += 1
    session.flush()
    return counter.last_number


def next_number(session: Session, series: str, prefix: str, when: dt.datetime | dt.date) -> tuple[str, str, int]:
    """(number, fy, seq) for a new document of ``series`` printed with ``prefix``."""
    fy = financial_year(when)
    seq = next_seq(session, series, fy)
    return format_number(prefix, fy, seq), fy, seq
