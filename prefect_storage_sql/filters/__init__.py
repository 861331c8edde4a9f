"""Translate the core's filter bodies into SQLAlchemy Core conditions.

The reference joins filters across objects: a flow filter in a flow-run query
keeps runs whose flow matches, and so on. Each `*_matching` function returns
one boolean condition for the table it is named after.

One module per resource; this package re-exports them all.
"""

from prefect_storage_sql.filters.criteria import (
    TRUE,
    any_of,
    combine,
    contains_text,
    id_criteria,
    is_set,
    name_criteria,
    state_criteria,
    tag_criteria,
    time_range,
)
from prefect_storage_sql.filters.deployments import (
    deployment_condition,
    deployments_matching,
    flow_runs_in_deployments_and_queues,
    flows_with_deployments_and_queues,
    queues_matching,
)
from prefect_storage_sql.filters.flow_runs import flow_run_condition
from prefect_storage_sql.filters.flows import flow_condition
from prefect_storage_sql.filters.joins import OnlyRuns, flow_runs_matching, flows_matching, task_runs_matching
from prefect_storage_sql.filters.logs import log_condition
from prefect_storage_sql.filters.task_runs import task_run_condition
from prefect_storage_sql.filters.work_pools import work_pool_condition, work_queue_condition, worker_condition

__all__ = [
    "TRUE",
    "OnlyRuns",
    "any_of",
    "combine",
    "contains_text",
    "deployment_condition",
    "deployments_matching",
    "flow_condition",
    "flow_run_condition",
    "flow_runs_in_deployments_and_queues",
    "flow_runs_matching",
    "flows_matching",
    "flows_with_deployments_and_queues",
    "id_criteria",
    "is_set",
    "log_condition",
    "name_criteria",
    "queues_matching",
    "state_criteria",
    "tag_criteria",
    "task_run_condition",
    "task_runs_matching",
    "time_range",
    "work_pool_condition",
    "work_queue_condition",
    "worker_condition",
]
