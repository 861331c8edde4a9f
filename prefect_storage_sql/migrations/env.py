"""Alembic's environment: migrate the connection handed in through `Config.attributes`.

Loaded by Alembic itself (never imported). There is no alembic.ini and no URL here:
`runner.upgrade_schema` and `scripts/new_migration` always pass an open connection,
inside a transaction the caller owns (and commits).
"""

from __future__ import annotations

from alembic import context

from prefect_storage_sql.migrations.config import context_options

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "prefect_storage_sql migrations run on a connection handed in by "
        "prefect_storage_sql.migrations.upgrade_schema (or scripts/new_migration); "
        "offline (--sql) mode is not supported"
    )

attributes = context.config.attributes
context.configure(
    connection=connection,
    on_version_apply=attributes.get("on_version_apply"),
    process_revision_directives=attributes.get("process_revision_directives"),
    **context_options(attributes.get("target_metadata")),
)
with context.begin_transaction():
    context.run_migrations()
