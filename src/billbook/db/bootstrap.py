"""Open a database ready for use: connect, migrate to head, make sure the shop row exists."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from billbook import clock
from billbook.config import database_url
from billbook.db.migrate import is_up_to_date, upgrade
from billbook.db.models import Shop
from billbook.db.uow import Database


def has_shop_row(session: Session) -> bool:
    """Whether the one shop row (id 1) is there."""
    return session.get(Shop, 1) is not None


def ensure_shop_row(session: Session) -> None:
    """The one shop row (id 1) exists, with the model's defaults until the owner fills it in."""
    if not has_shop_row(session):
        session.add(Shop(id=1, updated_at=clock.now()))


def open_database(url: str | None = None, *, migrate: bool = True, pool_size: int = 5) -> Database:
    db = Database(database_url(url), pool_size=pool_size)
    try:
        if migrate and not is_up_to_date(db):
            upgrade(db)
    except DBAPIError as exc:
        db.dispose()
        plain = db.unavailable(exc)
        if plain is not None:
            raise plain from exc
        raise
    # Looked for in a read-only transaction first: most opens find the row, and a write
    # transaction (SQLite's BEGIN IMMEDIATE) would make every command wait for the counter's sale.
    if migrate and not db.run(has_shop_row, readonly=True):
        db.run(ensure_shop_row)
    return db
