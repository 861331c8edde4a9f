"""Artifacts, and their collections: the latest artifact of each key."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Uuid

#: Artifacts name their runs without foreign keys, as the reference does: a task run
#: inside a flow is recorded from its events, possibly after its artifacts arrive, and
#: artifacts outlive the runs that made them.
artifact = sa.Table(
    "artifact",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("key", sa.String(255)),
    sa.Column("type", sa.Text()),
    sa.Column("description", sa.Text()),
    sa.Column("data", Json()),
    sa.Column("metadata_", Json()),
    sa.Column("flow_run_id", Uuid()),
    sa.Column("task_run_id", Uuid()),
    # (key, created): the KEY_* sorts, key filters, and the version promoted when the latest is deleted.
    sa.Index(None, "key", "created"),
    sa.Index(None, "created", "id"),
    sa.Index(None, "updated", "id"),
    sa.Index(None, "flow_run_id"),
    sa.Index(None, "task_run_id"),
)

artifact_collection = sa.Table(
    "artifact_collection",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("latest_id", Uuid(), nullable=False),
    sa.Column("type", sa.Text()),
    sa.Column("description", sa.Text()),
    sa.Column("data", Json()),
    sa.Column("metadata_", Json()),
    sa.Column("flow_run_id", Uuid()),
    sa.Column("task_run_id", Uuid()),
    sa.Index(None, "key", unique=True),
    sa.Index(None, "latest_id"),
    sa.Index(None, "created", "id"),
    sa.Index(None, "updated", "id"),
    sa.Index(None, "flow_run_id"),
    sa.Index(None, "task_run_id"),
)
