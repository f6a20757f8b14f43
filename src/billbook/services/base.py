"""What every service shares: the acting user, the permission guard, the audit writer.

A guarded service looks like::

    @requires(Permission.MANAGE_USERS)
    def add_user(db: Database, actor: Actor, username: str, ...) -> UserInfo:
        ...

The guard runs before anything else (so a refused call never touches the database) and
registers the function in ``GUARDED`` — the permission-matrix test walks that registry.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import AuditEntry
from billbook.domain.permissions import Permission, Role, role_can
from billbook.errors import PermissionDenied, ValidationError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """The logged-in user on whose behalf a service acts."""
    user_id: int
    username: str
    role: Role
    terminal: str = ""
    session_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return role_can(self.role, permission)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


@dataclass(frozen=True)
class GuardedService:
    func: Callable[..., Any]
    permission: Permission
    qualname: str = field(default="")


#: every service function guarded by @requires, in definition order
GUARDED: list[GuardedService] = []


def check(actor: Actor, permission: Permission) -> None:
    if not isinstance(actor, Actor):
        raise PermissionDenied("Please log in first.")
    if not actor.can(permission):
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value}) is not allowed to {permission.value.replace('_', ' ')}.")


def requires(permission: Permission) -> Callable[[F], F]:
    """Guard ``func(db, actor, ...)``: refuse unless ``actor`` holds ``permission``."""
    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(db, actor, *args, **kwargs):
            check(actor, permission)
            return func(db, actor, *args, **kwargs)
        wrapper.permission = permission  # type: ignore[attr-defined]
        GUARDED.append(GuardedService(wrapper, permission, f"{func.__module__}.{func.__qualname__}"))
        return wrapper  # type: ignore[return-value]
    return decorate


#: json.dumps(details, default=str, ensure_ascii=False), with one encoder made once
_details_json = json.JSONEncoder(default=str, ensure_ascii=False).encode


def audit_values(actor: Actor | None, action: str, entity: str = "", entity_id: Any = "", *,
                 at: dt.datetime | None = None, **details: Any) -> dict[str, Any]:
    """The columns of one audit row (what :func:`audit` writes); ``at`` defaults to now."""
    return {
        "at": at or clock.now(),
        "user_id": actor.user_id if actor else None,
        "username": actor.username if actor else details.pop("username", ""),
        "terminal": actor.terminal if actor else details.pop("terminal", ""),
        "action": action, "entity": entity, "entity_id": str(entity_id),
        "details": _details_json(details) if details else "",
    }


def audit(session: Session, actor: Actor | None, action: str, entity: str = "", entity_id: Any = "",
          **details: Any) -> None:
    """Append an audit row in the caller's transaction (so it commits or rolls back with it)."""
    session.add(AuditEntry(**audit_values(actor, action, entity, entity_id, **details)))


MAX_PAGE = 1000
#: largest row id a user may type (SQLite and MySQL INTEGER both stop at 2**31 - 1 / 2**63 - 1)
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results. ``total`` is the number of all matches when it was cheap to know
    (else None); ``has_more`` says whether a next page exists either way."""
    items: list[T]
    offset: int
    limit: int
    has_more: bool
    total: int | None = None

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, or None on the last page."""
        return self.offset + len(self.items) if self.has_more else None

    def to_json(self) -> dict:
        return {"items": [i.to_json() for i in self.items], "total": self.total, "next_offset": self.next_offset,
                "offset": self.offset, "limit": self.limit, "has_more": self.has_more}


def check_paging(limit, offset=0) -> tuple[int, int]:
    """Validate a page request: 1 ≤ limit ≤ 1000 and offset ≥ 0 (whole numbers)."""
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        raise ValidationError("limit", "limit and offset are whole numbers") from None
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"between 1 and {MAX_PAGE} results a page")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    return limit, offset


#: 1–64 characters, none of them a space or a control character (code point 32 or below)
_CLIENT_ID = re.compile(r"[^\x00-\x20]{1,64}")


def check_client_id(value, field: str, what: str) -> str:
    """A client-made id that makes a submit idempotent (a sale id, a payment's request id):
    1–64 characters without spaces, e.g. a UUID. ``what`` names it in the message."""
    text = value.strip() if isinstance(value, str) else ""
    if _CLIENT_ID.fullmatch(text) is None:
        raise ValidationError(field, f"{what} is 1–64 characters without spaces (e.g. a UUID)")
    return text


def check_id(value, field: str = "id") -> int:
    """A row id typed by a user: a positive whole number that fits the database's INTEGER."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"{value!r} is not a number") from None
    if not 1 <= number <= MAX_ID:
        raise ValidationError(field, f"{value} is not a valid number")
    return number
