"""Flow runs, task runs, their state histories and the task cache."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, run_timing, stamps, state_table
from prefect_storage_sql.types import Json, Timestamp, Uuid

flow_run = sa.Table(
    "flow_run",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
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
    *run_timing(),
    sa.Index(None, "flow_id", "idempotency_key", unique=True),
    sa.Index(None, "state_type", "next_scheduled_start_time"),
    sa.Index(None, "parent_task_run_id"),
    sa.Index(None, "deployment_id"),
)


task_run = sa.Table(
    "task_run",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
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
    *run_timing(),
    sa.Index(None, "flow_run_id", "task_key", "dynamic_key", unique=True),
    sa.Index(None, "state_type", "next_scheduled_start_time"),
    # The pages' order, as flow_run's (without the history's columns: task runs change state
    # most often, and each change would move their entry).
    sa.Index(None, "expected_start_time", "id"),
)


flow_run_state = state_table("flow_run_state", "flow_run")


task_run_state = state_table("task_run_state", "task_run")


task_run_state_cache = sa.Table(
    "task_run_state_cache",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("cache_key", sa.String(2000), nullable=False),
    sa.Column("cache_expiration", Timestamp()),
    sa.Column("task_run_state_id", Uuid(), nullable=False),
    sa.Index(None, "cache_key", "created"),
)


# A worker's claim on a scheduled run: until this time no other poller is handed
# the run (get_scheduled_flow_runs). On the run row itself so that PostgreSQL's
# re-check of a row locked by a concurrent poller sees the claim.
flow_run.append_column(sa.Column("claimed_until", Timestamp()))


sa.Index(None, flow_run.c.work_queue_id, flow_run.c.state_type, flow_run.c.next_scheduled_start_time)

# The expected start time, descending, then the id (the tiebreaker of every sort): the index
# alone gives the order of EXPECTED_START_TIME_DESC pages, the default's, at any offset
# (RunRepository._deferred_page), and serves time ranges; with the columns after it, the run
# history and the UI's dashboard read only the index.
sa.Index(
    "ix_flow_run__expected_start_time_desc_id_covering",
    flow_run.c.expected_start_time.desc(),
    flow_run.c.id,
    flow_run.c.state_type,
    flow_run.c.state_name,
    flow_run.c.start_time,
    flow_run.c.total_run_time,
    flow_run.c.state_timestamp,
)
