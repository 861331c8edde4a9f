"""Bodies of the work queue endpoints."""

from __future__ import annotations

from pydantic import Field

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.bodies.base import PagedBody
from prefect_core.schemas.filters import WorkQueueFilter


class WorkQueueQuery(PagedBody):
    work_queues: WorkQueueFilter | None = None


class WorkQueueConcurrencyQuery(PagedBody):
    page: int = Field(default=1, ge=1)


class WorkQueueRunsQuery(PagedBody):
    scheduled_before: DateTime | None = None
