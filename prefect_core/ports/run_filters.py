"""The joined filters run, flow and deployment queries accept."""

from __future__ import annotations

from typing import Protocol

from prefect_core.schemas.filters import (
    DeploymentFilter,
    FlowFilter,
    FlowRunFilter,
    TaskRunFilter,
    WorkPoolFilter,
    WorkQueueFilter,
)


class RunFilters(Protocol):
    """The joined filters every run/flow query accepts (any may be None)."""

    flows: FlowFilter | None
    flow_runs: FlowRunFilter | None
    task_runs: TaskRunFilter | None


class DeploymentFilters(RunFilters, Protocol):
    """The joined filters a deployment query accepts (any may be None)."""

    deployments: DeploymentFilter | None
    work_pools: WorkPoolFilter | None
    work_pool_queues: WorkQueueFilter | None
