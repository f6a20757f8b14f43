"""The audit log: an admin searches who did what and when.

Every service writes its audit rows with ``services.base.audit`` in the same transaction
as the change. Rows are never updated or deleted (see ``db/append_only.py``). This module
is the read side: :func:`search_audit` filters by user, action, entity, date range and
free text, newest first, a page at a time.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm import Session

from billbook.db.models import SALE_AUDIT_ACTION, AuditEntry
from billbook.db.uow import Database
from billbook.domain.calendar import parse_date
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, requires
from billbook.errors import ValidationError

#: ``action <> 'sale.checkout'`` with the text in the SQL (not a parameter), as the partial
#: index's own condition reads: SQLite uses a partial index only for a query that says so
_NOT_A_SALE = AuditEntry.action != literal_column("'sale.checkout'")        # SALE_AUDIT_ACTION


MAX_PAGE_SIZE = 500
MAX_FILTER_LEN = 200


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    username: str
    terminal: str
    action: str
    entity: str
    entity_id: str
    details: dict | str

    def to_json(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "user": self.username, "terminal": self.terminal,
                "action": self.action, "entity": self.entity, "entity_id": self.entity_id,
                "details": self.details}


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_json(self) -> dict:
        return {"total": self.total, "page": self.page, "page_size": self.page_size, "pages": self.pages,
                "rows": [r.to_json() for r in self.rows]}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text(value, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    value = value.strip()
    if "\x00" in value:
        raise ValidationError(field, "contains a NUL character")
    if len(value) > MAX_FILTER_LEN:
        raise ValidationError(field, f"at most {MAX_FILTER_LEN} characters")
    return value or None


def _int(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError(field, "must be a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(field, "must be a whole number") from None
    if not isinstance(value, (int, str)) or not low <= number <= high:
        raise ValidationError(field, f"between {low} and {high}")
    return number


def _details(text: str) -> dict | str:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, dict) else text


@requires(Permission.VIEW_AUDIT)
def search_audit(db: Database, actor: Actor, *, user: str | None = None, action: str | None = None,
                 entity: str | None = None, entity_id: str | None = None, date_from=None, date_to=None,
                 text: str | None = None, page: int = 1, page_size: int = 50) -> AuditPage:
    """Audit rows matching every filter given, newest first.

    ``action``: exact (``user.set_role``) or a prefix ending in ``*`` (``login.*``, ``backup*``).
    ``text``: found anywhere in the user, action, entity, id or details.
    ``date_from``/``date_to``: inclusive days (ISO text or dates).
    """
    user = _text(user, "user")
    action = _text(action, "action")
    entity = _text(entity, "entity")
    entity_id = _text(entity_id, "entity_id")
    text = _text(text, "text")
    start, end = parse_date(date_from, "date_from", default=None), parse_date(date_to, "date_to", default=None)
    if start and end and start > end:
        raise ValidationError("date_to", "is before date_from")
    page = _int(page, "page", 1, 10_000_000)
    page_size = _int(page_size, "page_size", 1, MAX_PAGE_SIZE)

    conds = []
    if user:
        conds.append(AuditEntry.username == user)
    if action:
        if action.endswith("*"):
            conds.append(AuditEntry.action.like(_like_escape(action[:-1]) + "%", escape="\\"))
        else:
            conds.append(AuditEntry.action == action)
            if action != SALE_AUDIT_ACTION:
                conds.append(_NOT_A_SALE)          # lets SQLite use its partial index
    if entity:
        conds.append(AuditEntry.entity == entity)
    if entity_id:
        conds.append(AuditEntry.entity_id == entity_id)
    if start:
        conds.append(AuditEntry.at >= dt.datetime.combine(start, dt.time.min))
    if end:
        conds.append(AuditEntry.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    if text:
        pattern = "%" + _like_escape(text.lower()) + "%"
        conds.append(or_(*[func.lower(col).like(pattern, escape="\\") for col in
                           (AuditEntry.username, AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                            AuditEntry.details, AuditEntry.terminal)]))

    def work(s: Session) -> AuditPage:
        total = s.scalar(select(func.count()).select_from(AuditEntry).where(*conds))
        rows = s.scalars(select(AuditEntry).where(*conds).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                         .offset((page - 1) * page_size).limit(page_size)).all()
        return AuditPage(tuple(AuditRow(r.id, r.at, r.username, r.terminal, r.action, r.entity, r.entity_id,
                                        _details(r.details)) for r in rows), total, page, page_size)

    return db.run(work, readonly=True)


@requires(Permission.VIEW_AUDIT)
def audit_actions(db: Database, actor: Actor) -> list[str]:
    """The distinct actions in the log (for the admin screen's filter)."""
    def work(s: Session) -> list[str]:
        # the other actions through the index (partial on SQLite), and whether any sale was logged
        others = set(s.scalars(select(AuditEntry.action).where(_NOT_A_SALE).distinct()))
        if s.scalar(select(AuditEntry.id).where(AuditEntry.action == SALE_AUDIT_ACTION).limit(1)) is not None:
            others.add(SALE_AUDIT_ACTION)
        return sorted(others)
    return db.run(work, readonly=True)
