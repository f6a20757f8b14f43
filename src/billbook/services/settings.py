"""Typed access to the key/value ``settings`` table (login policy and other knobs)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from billbook.db.models import Setting

DEFAULTS: dict[str, str] = {
    "login.max_attempts": "5",
    "login.lockout_minutes": "15",
}


def get(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    if row is not None:
        return row.value
    return DEFAULTS.get(key, default)


def get_int(session: Session, key: str, default: int = 0) -> int:
    value = get(session, key)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=str(value)))
    else:
        row.value = str(value)
