"""Deployments and their schedules."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Timestamp, Uuid

deployment = sa.Table(
    "deployment",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("version", sa.String(255)),
    sa.Column("description", sa.Text),
    sa.Column("flow_id", Uuid(), sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    # The deployment's `concurrency_limit` as last set (deprecated: the limit that governs the
    # deployment is the global limit `concurrency_limit_id` names).
    sa.Column("concurrency_limit", sa.Integer),
    # The global concurrency limit its runs lease slots of: its own (`deployment:<id>`, made for
    # `concurrency_limit`) or one chosen with `global_concurrency_limit_id`.
    sa.Column("concurrency_limit_id", Uuid(), sa.ForeignKey("concurrency_limit_v2.id", ondelete="SET NULL")),
    sa.Column("concurrency_options", Json()),
    sa.Column("job_variables", Json(), nullable=False),
    sa.Column("parameters", Json(), nullable=False),
    sa.Column("tags", Json(), nullable=False),
    sa.Column("labels", Json()),
    sa.Column("work_queue_name", sa.String(255)),
    sa.Column("work_queue_id", Uuid(), sa.ForeignKey("work_queue.id", ondelete="SET NULL")),
    sa.Column("last_polled", Timestamp()),
    sa.Column("parameter_openapi_schema", Json()),
    sa.Column("path", sa.Text),
    sa.Column("pull_steps", Json()),
    sa.Column("entrypoint", sa.Text),
    sa.Column("storage_document_id", Uuid()),
    sa.Column("infrastructure_document_id", Uuid()),
    sa.Column("created_by", Json()),
    sa.Column("updated_by", Json()),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("enforce_parameter_schema", sa.Boolean, nullable=False, default=True),
    sa.Index(None, "flow_id", "name", unique=True),
    sa.Index(None, "work_queue_id"),
    sa.Index(None, "updated"),
    sa.Index(None, "concurrency_limit_id"),
)


deployment_schedule = sa.Table(
    "deployment_schedule",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("deployment_id", Uuid(), sa.ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False),
    sa.Column("schedule", Json(), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("max_scheduled_runs", sa.Integer),
    sa.Column("parameters", Json(), nullable=False),
    sa.Column("slug", sa.String(255)),
    sa.Index(None, "deployment_id", "slug", unique=True),
)
