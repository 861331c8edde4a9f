"""Work pools, work queues, workers, and the scheduled runs workers claim."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.filters import WorkerFilter, WorkPoolFilter, WorkQueueFilter
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.work_pools import Worker, WorkPool, WorkQueue


class WorkPoolRepository(Protocol):
    """Work pools: unique by name."""

    async def get(self, pool_id: UUID) -> WorkPool | None: ...
    async def get_by_name(self, name: str) -> WorkPool | None: ...
    async def insert(self, pool: WorkPool) -> bool:
        """Insert; False (nothing written) if the name is taken."""
        ...

    async def update(self, pool_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, pool_id: UUID) -> bool: ...
    async def filter(self, filter: WorkPoolFilter | None, offset: int, limit: int | None) -> list[WorkPool]: ...
    async def count(self, filter: WorkPoolFilter | None) -> int: ...
    async def active_slots(self, pool_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, int]:
        """Runs holding a slot (PENDING, RUNNING, or claimed) per pool."""
        ...


class WorkQueueRepository(Protocol):
    """Work queues: unique on (work_pool_id, name); listed by priority."""

    async def get(self, queue_id: UUID) -> WorkQueue | None: ...
    async def get_by_name(self, pool_id: UUID, name: str) -> WorkQueue | None: ...
    async def insert(self, queue: WorkQueue) -> bool:
        """Insert; False (nothing written) if the pool has a queue of that name."""
        ...

    async def update(self, queue_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, queue_id: UUID) -> bool: ...
    async def list(
        self, pool_id: UUID | None, filter: WorkQueueFilter | None, offset: int, limit: int | None
    ) -> list[WorkQueue]: ...
    async def count(self, pool_id: UUID | None, filter: WorkQueueFilter | None) -> int: ...
    async def set_priorities(self, priorities: dict[UUID, int]) -> None: ...
    async def mark_polled(self, queue_ids: Sequence[UUID], now: dt.datetime) -> builtins.list[UUID]:
        """Set last_polled, and READY on those not PAUSED; returns the queues that became READY now."""
        ...

    # `builtins.list`: in this class body `list` names the method above.
    async def mark_unpolled(self, polled_before: dt.datetime) -> builtins.list[UUID]:
        """Set NOT_READY on READY queues not polled since `polled_before`."""
        ...

    async def active_slots(self, queue_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, int]: ...
    async def late_runs_count(self, queue_id: UUID) -> int: ...


class WorkerRepository(Protocol):
    """Workers of a pool, as their heartbeats report them; unique on (work_pool_id, name)."""

    async def heartbeat(self, pool_id: UUID, name: str, interval: int | None, now: dt.datetime) -> None:
        """Record a heartbeat (insert or update): ONLINE as of `now`."""
        ...

    async def filter(
        self, pool_id: UUID, filter: WorkerFilter | None, offset: int, limit: int | None
    ) -> list[Worker]: ...
    async def delete(self, pool_id: UUID, name: str) -> bool: ...
    async def mark_offline(self, now: dt.datetime, *, default_interval: int, multiple: float) -> list[UUID]:
        """Set OFFLINE on ONLINE workers silent for `multiple` heartbeat intervals;
        returns the ids of the pools they belong to."""
        ...

    async def count_online(self, pool_id: UUID) -> int: ...


@dataclass(frozen=True)
class WorkerRunQuery:
    """What a worker's poll asks for (`POST /work_pools/{name}/get_scheduled_flow_runs`)."""

    work_pool_ids: Sequence[UUID]
    #: None: every queue of the pools.
    work_queue_ids: Sequence[UUID] | None
    scheduled_before: dt.datetime | None
    scheduled_after: dt.datetime | None
    limit: int
    respect_queue_priorities: bool
    now: dt.datetime
    #: Runs handed out are claimed until then: no other poll gets them before.
    claim_until: dt.datetime


@dataclass(frozen=True)
class ClaimedRun:
    work_pool_id: UUID
    work_queue_id: UUID
    flow_run_id: UUID


class ScheduledRunRepository(Protocol):
    """Scheduled flow runs in bulk: the scheduler's inserts and the workers' claims."""

    async def insert_many(self, runs: Sequence[FlowRun]) -> list[UUID]:
        """Insert SCHEDULED runs (each with its `state`), skipping any whose
        (flow_id, idempotency_key) exists; returns the ids inserted."""
        ...

    async def delete_unstarted(
        self, deployment_id: UUID, *, auto_scheduled_only: bool, after: dt.datetime | None
    ) -> int:
        """Delete the deployment's SCHEDULED runs that never ran (only those
        scheduled after `after`, when given)."""
        ...

    async def claim(self, query: WorkerRunQuery) -> list[ClaimedRun]:
        """Due runs of unpaused pools and queues, by queue priority then time, within
        pool and queue concurrency limits; claims them until `query.claim_until`.
        Two concurrent calls never return the same run."""
        ...
