"""The declared schema. The Alembic revisions in `prefect_storage_sql/migrations/` must
produce exactly these tables on every backend (a test upgrades an empty database and
compares).

One module per resource; this package re-exports them all.
"""

from prefect_storage_sql.tables.artifacts import artifact, artifact_collection
from prefect_storage_sql.tables.automations import (
    automation,
    automation_bucket,
    automation_related_resource,
    composite_trigger_child_firing,
)
from prefect_storage_sql.tables.base import metadata, run_timing, stamps, state_table
from prefect_storage_sql.tables.blocks import (
    block_document,
    block_document_reference,
    block_encryption_key,
    block_schema,
    block_schema_reference,
    block_type,
    default_result_storage,
)
from prefect_storage_sql.tables.concurrency_limits import (
    concurrency_lease,
    concurrency_lease_limit,
    concurrency_limit_v2,
)
from prefect_storage_sql.tables.csrf_tokens import csrf_token
from prefect_storage_sql.tables.deployments import deployment, deployment_schedule
from prefect_storage_sql.tables.events import event_resources, events
from prefect_storage_sql.tables.flow_run_inputs import flow_run_input
from prefect_storage_sql.tables.flows import flow
from prefect_storage_sql.tables.logs import log
from prefect_storage_sql.tables.runs import flow_run, flow_run_state, task_run, task_run_state, task_run_state_cache
from prefect_storage_sql.tables.saved_searches import saved_search
from prefect_storage_sql.tables.variables import variable
from prefect_storage_sql.tables.work_pools import work_pool, work_queue, worker

__all__ = [
    "artifact",
    "artifact_collection",
    "automation",
    "automation_bucket",
    "automation_related_resource",
    "block_document",
    "block_document_reference",
    "block_encryption_key",
    "block_schema",
    "block_schema_reference",
    "block_type",
    "composite_trigger_child_firing",
    "concurrency_lease",
    "concurrency_lease_limit",
    "concurrency_limit_v2",
    "csrf_token",
    "default_result_storage",
    "deployment",
    "deployment_schedule",
    "event_resources",
    "events",
    "flow",
    "flow_run",
    "flow_run_input",
    "flow_run_state",
    "log",
    "metadata",
    "run_timing",
    "saved_search",
    "stamps",
    "state_table",
    "task_run",
    "task_run_state",
    "task_run_state_cache",
    "variable",
    "work_pool",
    "work_queue",
    "worker",
]
