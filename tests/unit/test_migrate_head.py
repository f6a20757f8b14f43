"""The quick head revision (read from the migration files) is Alembic's own answer."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from billbook.db import migrate


def test_the_head_read_from_the_files_is_alembics_head():
    script = ScriptDirectory.from_config(migrate.alembic_config_for_scripts())
    assert len(script.get_heads()) == 1, "more than one migration head: re-point down_revision"
    assert migrate.head_revision() == script.get_current_head() == migrate._alembic_head()
