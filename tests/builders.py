"""Tiny builders for tests: users (without paying for argon2 each time), snapshots of a database."""

from __future__ import annotations

import functools

from sqlalchemy import func, select

from billbook import clock
from billbook.db.models import Base, User
from billbook.db.uow import Database
from billbook.domain.permissions import Role
from billbook.services.base import Actor
from billbook.services.people.passwords import hash_password

DEFAULT_PASSWORD = "correct horse 42"


@functools.cache
def _default_hash() -> str:
    return hash_password(DEFAULT_PASSWORD)


def make_user(db: Database, username: str, role: str = "cashier", *, terminal: str = "T1",
              active: bool = True) -> Actor:
    """Insert a user whose password is DEFAULT_PASSWORD and return an Actor for it."""
    def work(s):
        user = User(username=username, full_name=username.title(), password_hash=_default_hash(), role=role,
                    active=active, failed_attempts=0, created_at=clock.now())
        s.add(user)
        s.flush()
        return user.id
    uid = db.run(work)
    return Actor(uid, username, Role(role), terminal)


def row_counts(db: Database) -> dict[str, int]:
    """Rows per table: compare before and after a refused request."""
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, ordered: 'byte-for-byte unchanged' checks."""
    out = {}
    with db.engine.connect() as conn:
        for t in Base.metadata.sorted_tables:
            pk = [c for c in t.primary_key.columns]
            out[t.name] = [tuple(r) for r in conn.execute(select(t).order_by(*pk))]
    return out


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """Run the billbook CLI in-process: (exit status, stdout, stderr)."""
    from billbook.cli import main
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
