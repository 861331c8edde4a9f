"""Work pools, work queues and workers."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Timestamp, Uuid

work_pool = sa.Table(
    "work_pool",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("description", sa.Text),
    sa.Column("type", sa.String(255), nullable=False),
    sa.Column("base_job_template", Json(), nullable=False),
    sa.Column("is_paused", sa.Boolean, nullable=False, default=False),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("status", sa.String(16)),
    # No foreign key: the queue points back at the pool; the service keeps the
    # default queue from being deleted.
    sa.Column("default_queue_id", Uuid()),
    sa.Column("storage_configuration", Json(), nullable=False),
    sa.Column("last_transitioned_status_at", Timestamp()),
)


work_queue = sa.Table(
    "work_queue",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("is_paused", sa.Boolean, nullable=False, default=False),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("work_pool_id", Uuid(), sa.ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False),
    sa.Column("filter", Json()),
    sa.Column("last_polled", Timestamp()),
    sa.Column("status", sa.String(16)),
    sa.Index(None, "work_pool_id", "name", unique=True),
    sa.Index(None, "work_pool_id", "priority"),
)


worker = sa.Table(
    "worker",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("work_pool_id", Uuid(), sa.ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False),
    sa.Column("last_heartbeat_time", Timestamp()),
    sa.Column("heartbeat_interval_seconds", sa.Integer),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Index(None, "work_pool_id", "name", unique=True),
    sa.Index(None, "work_pool_id", "last_heartbeat_time"),
)
