"""One connection, one transaction, and the repositories bound to it."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.engine import SqlConnection

#: Every repository of the unit of work: attribute name -> "module:class". A class
#: is built with (connection, dialect support). A new resource adds one line here
#: (and its attribute on `prefect_core.ports.UnitOfWork`; a test checks they agree).
REPOSITORIES: dict[str, str] = {
    "flows": "prefect_storage_sql.repositories.flows:SqlFlowRepository",
    "flow_runs": "prefect_storage_sql.repositories.flow_runs:SqlFlowRunRepository",
    "task_runs": "prefect_storage_sql.repositories.task_runs:SqlTaskRunRepository",
    "flow_run_states": "prefect_storage_sql.repositories.states:SqlFlowRunStateRepository",
    "task_run_states": "prefect_storage_sql.repositories.states:SqlTaskRunStateRepository",
    "task_cache": "prefect_storage_sql.repositories.states:SqlTaskCacheRepository",
    "logs": "prefect_storage_sql.repositories.logs:SqlLogRepository",
    "events": "prefect_storage_sql.repositories.events:SqlEventRepository",
    "deployments": "prefect_storage_sql.repositories.deployments:SqlDeploymentRepository",
    "deployment_schedules": "prefect_storage_sql.repositories.deployments:SqlDeploymentScheduleRepository",
    "scheduled_runs": "prefect_storage_sql.repositories.scheduled_runs:SqlScheduledRunRepository",
    "work_pools": "prefect_storage_sql.repositories.work_pools:SqlWorkPoolRepository",
    "work_queues": "prefect_storage_sql.repositories.work_pools:SqlWorkQueueRepository",
    "workers": "prefect_storage_sql.repositories.work_pools:SqlWorkerRepository",
    "flow_run_inputs": "prefect_storage_sql.repositories.flow_run_inputs:SqlFlowRunInputRepository",
    "observed_states": "prefect_storage_sql.repositories.observed_states:SqlObservedStateRepository",
    "flow_run_starts": "prefect_storage_sql.repositories.flow_run_starts:SqlFlowRunStartRepository",
    "flow_run_relatives": "prefect_storage_sql.repositories.flow_run_relatives:SqlFlowRunRelativesRepository",
    "csrf_tokens": "prefect_storage_sql.repositories.csrf_tokens:SqlCsrfTokenRepository",
    "ui_queries": "prefect_storage_sql.repositories.ui_queries:SqlUiQueryRepository",
    "concurrency_limits": "prefect_storage_sql.repositories.concurrency_limits:SqlConcurrencyLimitRepository",
    "concurrency_leases": "prefect_storage_sql.repositories.concurrency_leases:SqlConcurrencyLeaseRepository",
    "block_types": "prefect_storage_sql.repositories.blocks:SqlBlockTypeRepository",
    "block_schemas": "prefect_storage_sql.repositories.blocks:SqlBlockSchemaRepository",
    "block_documents": "prefect_storage_sql.repositories.block_documents:SqlBlockDocumentRepository",
    "variables": "prefect_storage_sql.repositories.variables:SqlVariableRepository",
    "artifacts": "prefect_storage_sql.repositories.artifacts:SqlArtifactRepository",
    "artifact_collections": "prefect_storage_sql.repositories.artifacts:SqlArtifactCollectionRepository",
    "saved_searches": "prefect_storage_sql.repositories.saved_searches:SqlSavedSearchRepository",
    "automations": "prefect_storage_sql.repositories.automations:SqlAutomationRepository",
    "automation_buckets": "prefect_storage_sql.repositories.automation_buckets:SqlAutomationBucketRepository",
}


@cache
def repository_class(name: str) -> Any:
    """The repository class registered under `name` (imported on first use)."""
    try:
        module, _, attribute = REPOSITORIES[name].partition(":")
    except KeyError:
        raise AttributeError(f"no repository named {name!r}") from None
    return getattr(importlib.import_module(module), attribute)


class SqlUnitOfWork:
    """Implements `prefect_core.ports.UnitOfWork`; repositories are built on first use."""

    def __init__(self, conn: SqlConnection, support: SqlDialectSupport) -> None:
        self.conn = conn
        self.support = support

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set yet: build the repository once per unit of work.
        if name.startswith("_"):
            raise AttributeError(name)
        repository = repository_class(name)(self.conn, self.support)
        setattr(self, name, repository)
        return repository
