"""The joined filters run, flow and deployment queries accept."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class HistoryCount:
    """Runs of one state in one interval of a run history, as the database counted them."""

    #: The interval's index from the history's start.
    bucket: int
    state_type: str
    #: The state's name ("" for none).
    state_name: str
    runs: int
    #: Sums over those runs of `estimated_run_time` and `estimated_start_time_delta`
    #: (`prefect_core.run_facts`), each run's value at least zero.
    run_time: float
    lateness: float
