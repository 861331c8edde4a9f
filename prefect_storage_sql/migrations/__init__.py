"""The schema's migrations: one Alembic history for every SQL backend.

The tables are declared once (`prefect_storage_sql.tables`); each change to them is
an Alembic revision in `versions/`, written once in portable operations and types
and rendered by SQLAlchemy for whichever database runs it. Servers apply pending
revisions at start-up (`upgrade_schema`), with no alembic.ini; new revisions are
made with `scripts/new_migration` (see docs/storage-plugins.md). Forward only.

Alembic itself is imported only when one of these is first used (importing it costs
a server ~10 MiB for good: Alembic, Mako and the Pygments lexers Mako loads), so a
plugin may import `upgrade_schema` at the top of its module and a server that finds
nothing to migrate never loads Alembic (`prefect_storage_sqlite.fresh_schema`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

    from prefect_storage_sql.migrations.config import alembic_config, context_options, script_directory
    from prefect_storage_sql.migrations.runner import current_revision, head_revision

_LAZY = {
    "alembic_config": "config",
    "context_options": "config",
    "script_directory": "config",
    "current_revision": "runner",
    "head_revision": "runner",
}


def upgrade_schema(connection: sa.Connection) -> list[str]:
    """Bring the database on `connection` to the newest revision; return the ones applied
    now (`prefect_storage_sql.migrations.runner.upgrade_schema`)."""
    from prefect_storage_sql.migrations.runner import upgrade_schema as upgrade

    return upgrade(connection)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "alembic_config",
    "context_options",
    "current_revision",
    "head_revision",
    "script_directory",
    "upgrade_schema",
]
