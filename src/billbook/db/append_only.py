"""Issued invoices, credit notes and the audit log are append-only through the ORM.

Installed once for every Session (imported by ``db/uow.py``):

- ``before_flush`` refuses deleting such a row, or changing any of its columns except
  the few that are bookkeeping, not content (an invoice's ``status`` and
  ``print_count``). A row inserted in the same transaction may still be completed
  before commit (a service flushes to get an id, then fills in figures).
- ``do_orm_execute`` refuses bulk ``UPDATE``/``DELETE`` statements on those tables.

Corrections go through credit notes; a mistaken audit row stays. A service that breaks
this gets :class:`AppendOnlyViolation` and its transaction rolls back.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from billbook.db.models import AuditEntry, CreditNote, CreditNoteLine, Invoice, InvoiceLine
from billbook.errors import BillbookError

#: model → columns that may change after the row is written
MUTABLE: dict[type, frozenset[str]] = {
    Invoice: frozenset({"status", "print_count"}),
    InvoiceLine: frozenset(),
    CreditNote: frozenset(),
    CreditNoteLine: frozenset(),
    AuditEntry: frozenset(),
}
PROTECTED_TABLES = frozenset(m.__tablename__ for m in MUTABLE)
_NEW_KEY = "billbook_append_only_new"


class AppendOnlyViolation(BillbookError):
    """A change to an issued document or the audit log was attempted (a programming error)."""


def _new_in_this_transaction(session: Session) -> dict[int, object]:
    return session.info.setdefault(_NEW_KEY, {})


@event.listens_for(Session, "before_flush")
def _guard_flush(session: Session, flush_context, instances) -> None:
    fresh = _new_in_this_transaction(session)
    for obj in session.new:
        if type(obj) in MUTABLE:
            fresh[id(obj)] = obj           # keep a reference so the id stays this object's
    for obj in session.deleted:
        if type(obj) in MUTABLE and id(obj) not in fresh:
            raise AppendOnlyViolation(f"{type(obj).__name__} rows are never deleted.")
    for obj in session.dirty:
        allowed = MUTABLE.get(type(obj))
        if allowed is None or id(obj) in fresh:
            continue
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if attr.key not in allowed and state.attrs[attr.key].history.has_changes():
                raise AppendOnlyViolation(
                    f"{type(obj).__name__}.{attr.key} of an issued record cannot be changed; "
                    "issue a credit note instead." if type(obj) is not AuditEntry
                    else "The audit log cannot be changed.")


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_NEW_KEY, None)


@event.listens_for(Session, "do_orm_execute")
def _guard_bulk(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in PROTECTED_TABLES:
        if state.is_update and name == Invoice.__tablename__:
            values = getattr(state.statement, "_values", None) or {}
            keys = {getattr(k, "key", getattr(k, "name", str(k))) for k in values}
            if keys and keys <= MUTABLE[Invoice]:
                return
        raise AppendOnlyViolation(f"Bulk {'UPDATE' if state.is_update else 'DELETE'} of {name} is not allowed: "
                                  "it is append-only.")
