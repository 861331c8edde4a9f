"""Bodies of the work pool endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.bodies.base import PagedBody
from prefect_core.schemas.filters import WorkPoolFilter, WorkQueueFilter


class WorkPoolQuery(PagedBody):
    work_pools: WorkPoolFilter | None = None


class WorkPoolCount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    work_pools: WorkPoolFilter | None = None


class PoolQueueQuery(PagedBody):
    work_queues: WorkQueueFilter | None = None


class PoolConcurrencyQuery(PagedBody):
    page: int = Field(default=1, ge=1)
    flow_run_limit: int = Field(default=10, ge=0, le=200)


class WorkerPoll(PagedBody):
    work_queue_names: list[str] | None = None
    scheduled_before: DateTime | None = None
    scheduled_after: DateTime | None = None
