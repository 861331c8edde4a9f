"""Request bodies of the /filter, /count and /paginate endpoints."""

from __future__ import annotations

from pydantic import Field

from prefect_core.schemas import filters as f
from prefect_core.schemas.bodies.base import DEFAULT_LIMIT, MAX_OFFSET, MAX_PAGE, EmbeddedBody
from prefect_core.schemas.deployments import DeploymentSort
from prefect_core.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort

#: Top-level body keys; a key sent as null takes its default (the client sends
#: `"sort": null`, `"limit": null`).
_Body = EmbeddedBody


class RunFilterBody(_Body):
    """Joined filters accepted by every flow/flow-run/task-run query."""

    flows: f.FlowFilter | None = None
    flow_runs: f.FlowRunFilter | None = None
    task_runs: f.TaskRunFilter | None = None
    deployments: f.DeploymentFilter | None = None
    work_pools: f.WorkPoolFilter | None = None
    work_pool_queues: f.WorkQueueFilter | None = None


class _Paged(RunFilterBody):
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)


class FlowQuery(_Paged):
    sort: FlowSort = FlowSort.NAME_ASC


class FlowRunQuery(_Paged):
    sort: FlowRunSort = FlowRunSort.ID_DESC


class TaskRunQuery(_Paged):
    sort: TaskRunSort = TaskRunSort.ID_DESC


class _Page(RunFilterBody):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class FlowPage(_Page):
    sort: FlowSort = FlowSort.NAME_ASC


class FlowRunPage(_Page):
    sort: FlowRunSort = FlowRunSort.ID_DESC


class TaskRunPage(_Page):
    sort: TaskRunSort = TaskRunSort.ID_DESC


class LogQuery(_Body):
    logs: f.LogFilter | None = None
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)
    sort: LogSort = LogSort.TIMESTAMP_ASC


def page_count(total: int, limit: int) -> int:
    """Number of pages of `limit` items needed for `total` (the reference's rounding)."""
    if limit == 0:
        return 0
    return (total + limit - 1) // limit


class DeploymentQuery(_Paged):
    sort: DeploymentSort = DeploymentSort.NAME_ASC


class DeploymentPage(_Page):
    sort: DeploymentSort = DeploymentSort.NAME_ASC
