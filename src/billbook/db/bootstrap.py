"""Open a database ready for use: connect, migrate to head, make sure the shop row exists."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from billbook.config import database_url
from billbook.db.migrate import is_up_to_date, upgrade
from billbook.db.uow import Database


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
    if migrate:
        from billbook.services.people.shop import get_or_create_shop
        db.run(get_or_create_shop)
    return db
