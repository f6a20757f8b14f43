"""Alembic driven from code: ``upgrade(db)`` brings any database to head.

Every schema change is a migration in ``db/migrations/versions``; ``billbook init`` and
every app start call :func:`upgrade` when :func:`is_up_to_date` says so.

Asking whether a database is up to date is on every start's path, so it does not import
Alembic (a tenth of a second): the head comes from the migration files' ``revision`` and
``down_revision`` lines, the database's revision from its ``alembic_version`` table.
Upgrading imports Alembic.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from billbook.db.uow import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"   # Alembic's default; env.py keeps it

_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(db: Database) -> Config:
    from alembic.config import Config  # Alembic only when migrating (start-up speed)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def alembic_config_for_scripts() -> Config:
    from alembic.config import Config  # Alembic only when migrating (start-up speed)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.cache
def head_revision() -> str:
    """The newest migration's revision id: the one no other migration names as its parent
    (read from the files; Alembic's script directory when that is not one clear answer)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        try:
            revision, parent = ast.literal_eval(found["revision"]), ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError):
            return _alembic_head()
        revisions.add(revision)
        parents.update(parent if isinstance(parent, (tuple, list)) else [parent] if parent else [])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory  # the slow, authoritative way (start-up speed)
    return ScriptDirectory.from_config(alembic_config_for_scripts()).get_current_head()


def current_revision(db: Database) -> str | None:
    """The revision the database is at (None for a database Alembic never touched)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        versions = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())  # = VERSION_TABLE
    if len(versions) > 1:
        raise RuntimeError(f"the database is at several revisions at once: {', '.join(sorted(versions))}")
    return versions[0] if versions else None


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command  # Alembic only when migrating (start-up speed)
    command.upgrade(alembic_config(db), revision)


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()
