"""How Alembic is set up for the shared schema: no alembic.ini, everything in code.

Used at start-up (`runner.upgrade_schema`), by `scripts/new_migration` (autogenerate)
and by the test that compares a migrated database with the declared tables, so all
three agree on what counts as a difference.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.script import ScriptDirectory

from prefect_storage_sql import tables, types

#: The revisions ship inside this package (package data), so an installed wheel finds them.
SCRIPT_LOCATION = "prefect_storage_sql:migrations"

#: Alembic's own ledger: one row, the revision the schema is at.
VERSION_TABLE = "alembic_version"


def versions_directory() -> Path:
    """Where the shipped revision files are (inside the installed package)."""
    return Path(str(importlib.resources.files(__package__) / "versions"))


def alembic_config(
    connection: sa.Connection | None = None,
    *,
    metadata: sa.MetaData | None = None,
    extra_version_location: Path | None = None,
) -> Config:
    """An Alembic `Config` for the shared revisions.

    `connection` is what env.py migrates (or compares). `metadata` replaces the
    declared tables as the autogenerate target, and `extra_version_location` adds a
    folder of revisions after the shipped ones: both only for testing the recipe.
    """
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "os")
    if extra_version_location is not None:
        locations = [versions_directory(), extra_version_location]
        config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    # Sequential ids (0001, 0002, ...) as file names: two branches adding a revision
    # at once collide visibly (two heads, which the tests reject) instead of silently.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_main_option("truncate_slug_length", "60")
    if connection is not None:
        config.attributes["connection"] = connection
    if metadata is not None:
        config.attributes["target_metadata"] = metadata
    return config


def script_directory() -> ScriptDirectory:
    """The shipped revisions."""
    return ScriptDirectory.from_config(alembic_config())


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render our column types as `types.Uuid()` etc., importing the module once.

    The revision then names the portable type, which each database turns into its own
    (uuid / timestamptz / jsonb on PostgreSQL, text forms on SQLite), so one revision
    serves both backends.
    """
    if type_ == "type" and type(obj).__module__ == types.__name__:
        autogen_context.imports.add("from prefect_storage_sql import types")
        return f"types.{type(obj).__name__}()"
    return False


def context_options(metadata: sa.MetaData | None = None) -> dict[str, Any]:
    """Options for `MigrationContext`/`EnvironmentContext.configure`, shared by every use."""
    return {
        "target_metadata": tables.metadata if metadata is None else metadata,
        "version_table": VERSION_TABLE,
        "compare_type": True,
        "compare_server_default": True,
        # SQLite can only add columns in place; batch mode copies the table for the rest.
        # On PostgreSQL the same batch operations are plain ALTER statements.
        "render_as_batch": True,
        "render_item": render_item,
    }
