"""Comparing the database's Alembic revision with the head of the migration scripts."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def migration_revisions(connection, directory: str) -> tuple[tuple, tuple]:
    """(revisions applied to the database, head revisions of the scripts)."""
    config = Config()
    config.set_main_option("script_location", directory)
    heads = tuple(sorted(ScriptDirectory.from_config(config).get_heads()))
    current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    return current, heads
