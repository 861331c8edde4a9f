"""The schema's migrations: one Alembic history for every SQL backend.

The tables are declared once (`prefect_storage_sql.tables`); each change to them is
an Alembic revision in `versions/`, written once in portable operations and types
and rendered by SQLAlchemy for whichever database runs it. Servers apply pending
revisions at start-up (`upgrade_schema`), with no alembic.ini; new revisions are
made with `scripts/new_migration` (see docs/storage-plugins.md). Forward only.
"""

from prefect_storage_sql.migrations.config import alembic_config, context_options, script_directory
from prefect_storage_sql.migrations.runner import current_revision, head_revision, upgrade_schema

__all__ = [
    "alembic_config",
    "context_options",
    "current_revision",
    "head_revision",
    "script_directory",
    "upgrade_schema",
]
