"""The declared schema. Each plugin's migrations must produce exactly these tables
(a test upgrades an empty database and compares)."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.types import Json, Timestamp, Uuid

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s__%(column_0_N_name)s",
        "uq": "uq_%(table_name)s__%(column_0_N_name)s",
        "fk": "fk_%(table_name)s__%(column_0_name)s__%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created", Timestamp(), nullable=False),
        sa.Column("updated", Timestamp(), nullable=False),
    ]


def _run_timing() -> list[sa.Column]:
    return [
        sa.Column("state_id", Uuid()),
        sa.Column("state_type", sa.String(16)),
        sa.Column("state_name", sa.String(64)),
        sa.Column("state_timestamp", Timestamp()),
        sa.Column("run_count", sa.Integer, nullable=False, default=0),
        sa.Column("expected_start_time", Timestamp()),
        sa.Column("next_scheduled_start_time", Timestamp()),
        sa.Column("start_time", Timestamp()),
        sa.Column("end_time", Timestamp()),
        sa.Column("total_run_time", sa.Float, nullable=False, default=0.0),
    ]


flow = sa.Table(
    "flow",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("tags", Json(), nullable=False),
    sa.Column("labels", Json()),
)

flow_run = sa.Table(
    "flow_run",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("flow_id", Uuid(), sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    sa.Column("deployment_id", Uuid()),
    sa.Column("deployment_version", sa.String(255)),
    sa.Column("work_queue_name", sa.String(255)),
    sa.Column("work_queue_id", Uuid()),
    sa.Column("flow_version", sa.String(255)),
    sa.Column("parameters", Json(), nullable=False),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("context", Json(), nullable=False),
    sa.Column("empirical_policy", Json(), nullable=False),
    sa.Column("tags", Json(), nullable=False),
    sa.Column("labels", Json()),
    sa.Column("parent_task_run_id", Uuid()),
    sa.Column("auto_scheduled", sa.Boolean, nullable=False, default=False),
    sa.Column("infrastructure_document_id", Uuid()),
    sa.Column("infrastructure_pid", sa.String(255)),
    sa.Column("created_by", Json()),
    sa.Column("job_variables", Json()),
    *_run_timing(),
    sa.Index(None, "flow_id", "idempotency_key", unique=True),
    sa.Index(None, "state_type", "next_scheduled_start_time"),
    sa.Index(None, "parent_task_run_id"),
    sa.Index(None, "deployment_id"),
    sa.Index(None, "expected_start_time"),
)

task_run = sa.Table(
    "task_run",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("flow_run_id", Uuid(), sa.ForeignKey("flow_run.id", ondelete="CASCADE")),
    sa.Column("task_key", sa.String(255), nullable=False),
    sa.Column("dynamic_key", sa.String(255), nullable=False),
    sa.Column("cache_key", sa.String(2000)),
    sa.Column("cache_expiration", Timestamp()),
    sa.Column("task_version", sa.String(255)),
    sa.Column("empirical_policy", Json(), nullable=False),
    sa.Column("tags", Json(), nullable=False),
    sa.Column("labels", Json()),
    sa.Column("task_inputs", Json(), nullable=False),
    sa.Column("flow_run_run_count", sa.Integer, nullable=False, default=0),
    *_run_timing(),
    sa.Index(None, "flow_run_id", "task_key", "dynamic_key", unique=True),
    sa.Index(None, "state_type", "next_scheduled_start_time"),
    sa.Index(None, "expected_start_time"),
)


def _state_table(name: str, run_table: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", Uuid(), primary_key=True),
        *_stamps(),
        sa.Column(
            "run_id", Uuid(), sa.ForeignKey(f"{run_table}.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("timestamp", Timestamp(), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("state_details", Json(), nullable=False),
        sa.Column("data", Json()),
        sa.Index(None, "run_id", "timestamp"),
    )


flow_run_state = _state_table("flow_run_state", "flow_run")
task_run_state = _state_table("task_run_state", "task_run")

task_run_state_cache = sa.Table(
    "task_run_state_cache",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("cache_key", sa.String(2000), nullable=False),
    sa.Column("cache_expiration", Timestamp()),
    sa.Column("task_run_state_id", Uuid(), nullable=False),
    sa.Index(None, "cache_key", "created"),
)

log = sa.Table(
    "log",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("level", sa.SmallInteger, nullable=False),
    sa.Column("flow_run_id", Uuid()),
    sa.Column("task_run_id", Uuid()),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("timestamp", Timestamp(), nullable=False),
    sa.Index(None, "flow_run_id", "timestamp"),
    sa.Index(None, "task_run_id", "timestamp"),
    sa.Index(None, "timestamp"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column("occurred", Timestamp(), nullable=False),
    sa.Column("received", Timestamp(), nullable=False),
    sa.Column("event", sa.String(1024), nullable=False),
    sa.Column("resource_id", sa.String(1024), nullable=False),
    sa.Column("resource", Json(), nullable=False),
    sa.Column("related", Json(), nullable=False),
    # space-separated ids of the related resources, for cheap containment filters
    sa.Column("related_resource_ids", sa.Text, nullable=False),
    sa.Column("payload", Json(), nullable=False),
    sa.Column("follows", Uuid()),
    sa.Index(None, "occurred"),
    sa.Index(None, "event", "occurred"),
    sa.Index(None, "resource_id", "occurred"),
)

# One row per resource an event involves (its primary resource with role "",
# then each related resource), so related/any-resource filters are plain
# indexed lookups on every database instead of JSON queries.
event_resources = sa.Table(
    "event_resources",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column("event_id", Uuid(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("occurred", Timestamp(), nullable=False),
    sa.Column("resource_id", sa.String(1024), nullable=False),
    sa.Column("resource_role", sa.String(255), nullable=False),
    sa.Index(None, "resource_id", "occurred"),
    sa.Index(None, "event_id"),
)

# --- deployments, schedules, work pools, work queues, workers ---------------

work_pool = sa.Table(
    "work_pool",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
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
    *_stamps(),
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
    *_stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("work_pool_id", Uuid(), sa.ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False),
    sa.Column("last_heartbeat_time", Timestamp()),
    sa.Column("heartbeat_interval_seconds", sa.Integer),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Index(None, "work_pool_id", "name", unique=True),
    sa.Index(None, "work_pool_id", "last_heartbeat_time"),
)

deployment = sa.Table(
    "deployment",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("version", sa.String(255)),
    sa.Column("description", sa.Text),
    sa.Column("flow_id", Uuid(), sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    sa.Column("concurrency_limit", sa.Integer),
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
)

deployment_schedule = sa.Table(
    "deployment_schedule",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("deployment_id", Uuid(), sa.ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False),
    sa.Column("schedule", Json(), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("max_scheduled_runs", sa.Integer),
    sa.Column("parameters", Json(), nullable=False),
    sa.Column("slug", sa.String(255)),
    sa.Index(None, "deployment_id", "slug", unique=True),
)

# A worker's claim on a scheduled run: until this time no other poller is handed
# the run (get_scheduled_flow_runs). On the run row itself so that PostgreSQL's
# re-check of a row locked by a concurrent poller sees the claim.
flow_run.append_column(sa.Column("claimed_until", Timestamp()))
sa.Index(None, flow_run.c.work_queue_id, flow_run.c.state_type, flow_run.c.next_scheduled_start_time)

# Inputs sent to a flow run (a paused run's schema and response, messages between runs).
flow_run_input = sa.Table(
    "flow_run_input",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *_stamps(),
    sa.Column("flow_run_id", Uuid(), sa.ForeignKey("flow_run.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("sender", sa.Text),
    sa.Index(None, "flow_run_id", "key", unique=True),
)

# Global concurrency limits and leases (their own module).
from prefect_storage_sql.tables_concurrency import (  # noqa: E402,F401
    concurrency_lease,
    concurrency_lease_limit,
    concurrency_limit_v2,
)
