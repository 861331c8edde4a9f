"""Work pool, work queue and worker filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.filters.base import FilterModel, Operator


class WorkPoolFilterId(FilterModel):
    """Filter by `WorkPool.id`."""

    any_: list[UUID] | None = None


class WorkPoolFilterName(FilterModel):
    """Filter by `WorkPool.name`."""

    any_: list[str] | None = None


class WorkPoolFilterType(FilterModel):
    """Filter by `WorkPool.type`."""

    any_: list[str] | None = None


class WorkPoolFilter(FilterModel):
    """Filter work pools. Only work pools matching all criteria will be returned"""

    operator: Operator = Operator.and_
    id: WorkPoolFilterId | None = None
    name: WorkPoolFilterName | None = None
    type: WorkPoolFilterType | None = None


class WorkQueueFilterId(FilterModel):
    """Filter by `WorkQueue.id`."""

    any_: list[UUID] | None = None


class WorkQueueFilterName(FilterModel):
    """Filter by `WorkQueue.name`."""

    any_: list[str] | None = None
    startswith_: list[str] | None = None


class WorkQueueFilter(FilterModel):
    """Filter work queues. Only work queues matching all criteria will be"""

    operator: Operator = Operator.and_
    id: WorkQueueFilterId | None = None
    name: WorkQueueFilterName | None = None


class WorkerFilterLastHeartbeatTime(FilterModel):
    """Filter by `Worker.last_heartbeat_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None


class WorkerFilterStatus(FilterModel):
    """Filter by `Worker.status`."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class WorkerFilter(FilterModel):
    """Filter by `Worker.last_heartbeat_time`."""

    operator: Operator = Operator.and_
    last_heartbeat_time: WorkerFilterLastHeartbeatTime | None = None
    status: WorkerFilterStatus | None = None
