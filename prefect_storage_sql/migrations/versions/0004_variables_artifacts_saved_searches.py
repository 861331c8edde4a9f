"""Variables, artifacts (with their per-key collections) and saved searches.

Revision 0004 (after '0003'), rendered 2026-12-01 by scripts/new_migration from
prefect_storage_sql.tables.{variables,artifacts,saved_searches} and reviewed by hand
(docs/storage-plugins.md, "Adding a table or column"): four new tables, no change to others.
"""
# Rendered code keeps Alembic's one-call-per-line layout, long lines included.

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from prefect_storage_sql import types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifact",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("data", types.Json(), nullable=True),
        sa.Column("metadata_", types.Json(), nullable=True),
        sa.Column("flow_run_id", types.Uuid(), nullable=True),
        sa.Column("task_run_id", types.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact")),
    )
    with op.batch_alter_table("artifact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_artifact__created_id"), ["created", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact__flow_run_id"), ["flow_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact__key_created"), ["key", "created"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact__task_run_id"), ["task_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact__updated_id"), ["updated", "id"], unique=False)

    op.create_table(
        "artifact_collection",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("latest_id", types.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("data", types.Json(), nullable=True),
        sa.Column("metadata_", types.Json(), nullable=True),
        sa.Column("flow_run_id", types.Uuid(), nullable=True),
        sa.Column("task_run_id", types.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_collection")),
    )
    with op.batch_alter_table("artifact_collection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_artifact_collection__created_id"), ["created", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact_collection__flow_run_id"), ["flow_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact_collection__key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_artifact_collection__latest_id"), ["latest_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact_collection__task_run_id"), ["task_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_artifact_collection__updated_id"), ["updated", "id"], unique=False)

    op.create_table(
        "saved_search",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("filters", types.Json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search")),
    )
    with op.batch_alter_table("saved_search", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_search__name"), ["name"], unique=True)

    op.create_table(
        "variable",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", types.Json(), nullable=True),
        sa.Column("tags", types.Json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_variable")),
    )
    with op.batch_alter_table("variable", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_variable__created_id"), ["created", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_variable__name"), ["name"], unique=True)
        batch_op.create_index(batch_op.f("ix_variable__updated_id"), ["updated", "id"], unique=False)


# Forward only: there is no downgrade (restore a backup to go back).
