"""Worker use cases: heartbeats, the worker list, and handing scheduled runs to polls."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.events.status_events import deployment_status_events, work_pool_status_event, work_queue_status_events
from prefect_core.ports import Storage, UnitOfWork, WorkerRunQuery
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.events import Event
from prefect_core.schemas.filters import FlowRunFilter, FlowRunFilterId, WorkerFilter
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.work_pools import (
    Worker,
    WorkerFlowRunResponse,
    WorkPool,
    WorkPoolCreate,
    WorkPoolStatus,
    WorkQueue,
)
from prefect_core.services import work_pool_lookups as lookups
from prefect_core.services.events_sink import DiscardingSink, EventSink

#: How long a run handed to one poll is withheld from the others. Workers
#: propose PENDING right after a poll; a run whose worker never does is handed
#: out again once the claim lapses.
CLAIM_SECONDS = 30.0


class ChannelRefused(Exception):
    """The worker channel cannot be set up; `reason` is the close reason to send."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class WorkerService:
    def __init__(self, storage: Storage, claim_seconds: float = CLAIM_SECONDS, events: EventSink | None = None) -> None:
        self.storage = storage
        self.claim_seconds = claim_seconds
        #: Where status-change events go (deployments, queues and pools that became READY).
        self.events: EventSink = events or DiscardingSink()

    async def heartbeat(self, pool_name: str, worker_name: str, interval: int | None) -> None:
        async with self.storage.write() as uow:
            pool = await lookups.pool_by_name(uow, pool_name)
            changed = await _record_heartbeat(uow, pool, worker_name, interval)
        await self.events.emit(changed)

    async def filter(self, pool_name: str, flt: WorkerFilter | None, offset: int, limit: int | None) -> list[Worker]:
        async with self.storage.read() as uow:
            pool = await lookups.pool_by_name(uow, pool_name)
            return await uow.workers.filter(pool.id, flt, offset, limit)

    async def delete(self, pool_name: str, worker_name: str) -> None:
        async with self.storage.write() as uow:
            pool = await lookups.pool_by_name(uow, pool_name)
            if not await uow.workers.delete(pool.id, worker_name):
                raise NotFound("Worker not found.")

    async def scheduled_runs(
        self,
        pool_name: str,
        *,
        queue_names: list[str] | None,
        before: dt.datetime | None,
        after: dt.datetime | None,
        limit: int,
    ) -> list[WorkerFlowRunResponse]:
        """Claim the pool's due runs for one poll (never the runs another poll holds)."""
        now = timeutil.now()
        async with self.storage.write() as uow:
            pool = await lookups.pool_by_name(uow, pool_name)
            if queue_names:
                queues = [await lookups.queue_by_name(uow, pool_name, name) for name in queue_names]
                queue_ids: list[UUID] | None = [q.id for q in queues]
            else:
                queues = await uow.work_queues.list(pool.id, None, 0, None)
                queue_ids = None
            query = WorkerRunQuery(
                work_pool_ids=[pool.id],
                work_queue_ids=queue_ids,
                scheduled_before=before,
                scheduled_after=after,
                limit=limit,
                respect_queue_priorities=True,
                now=now,
                claim_until=now + dt.timedelta(seconds=self.claim_seconds),
            )
            claimed = await uow.scheduled_runs.claim(query)
            runs = {}
            if claimed:
                ids = FlowRunFilter(id=FlowRunFilterId(any_=[c.flow_run_id for c in claimed]))
                found = await uow.flow_runs.filter(RunFilterBody(flow_runs=ids), FlowRunSort.ID_DESC, 0, None)
                runs = {run.id: run for run in found}
        # Recording the poll is bookkeeping: a separate, short transaction.
        async with self.storage.write() as uow:
            ready_queues = await uow.work_queues.mark_polled([q.id for q in queues], now)
            ready_deployments = await uow.deployments.mark_polled(now, work_queue_ids=[q.id for q in queues])
            changed = await work_queue_status_events(uow, ready_queues, "READY")
            changed += await deployment_status_events(uow, ready_deployments, "READY")
        await self.events.emit(changed)
        return [
            WorkerFlowRunResponse(
                work_pool_id=c.work_pool_id, work_queue_id=c.work_queue_id, flow_run=runs[c.flow_run_id]
            )
            for c in claimed
            if c.flow_run_id in runs
        ]

    async def channel_hello(self, pool_name: str, hello: dict[str, Any]) -> tuple[WorkPool, list[WorkQueue]]:
        """Set up a worker channel: find (or create) the pool, resolve the queues,
        record the first heartbeat. Raises ChannelRefused."""
        async with self.storage.write() as uow:
            pool = await uow.work_pools.get_by_name(pool_name)
            template = hello.get("default_base_job_template") or {}
            if pool is None:
                if not hello.get("create_pool_if_not_found"):
                    raise ChannelRefused("authorization_failed", "work_pool_not_found")
                if pool_name.lower().startswith("prefect"):
                    raise ChannelRefused("authorization_failed", "work_pool_creation_unauthorized")
                pool = await lookups.create_pool(
                    uow, WorkPoolCreate(name=pool_name, type=hello["worker_type"], base_job_template=template)
                )
            elif not pool.base_job_template and template:
                await uow.work_pools.update(pool.id, {"base_job_template": template})
            names = list(dict.fromkeys(hello.get("work_queue_names") or []))
            if names:
                queues = []
                for name in names:
                    queue = await uow.work_queues.get_by_name(pool.id, name)
                    if queue is None:
                        raise ChannelRefused("authorization_failed", "work_queue_not_found")
                    queues.append(queue)
            else:
                queues = await uow.work_queues.list(pool.id, None, 0, None)
            changed = await _record_heartbeat(uow, pool, hello["worker_name"], hello.get("heartbeat_interval_seconds"))
            fresh = await uow.work_pools.get(pool.id)
            assert fresh is not None
        await self.events.emit(changed)
        return fresh, queues

    async def pool_snapshot(self, pool_id: UUID) -> WorkPool | None:
        async with self.storage.read() as uow:
            return await uow.work_pools.get(pool_id)

    async def channel_heartbeat(self, pool_id: UUID, worker_name: str, interval: int | None) -> bool:
        """Record a heartbeat sent over the channel; False if the pool is gone."""
        async with self.storage.write() as uow:
            pool = await uow.work_pools.get(pool_id)
            if pool is None:
                return False
            changed = await _record_heartbeat(uow, pool, worker_name, interval)
        await self.events.emit(changed)
        return True


async def _record_heartbeat(uow: UnitOfWork, pool: WorkPool, worker_name: str, interval: int | None) -> list[Event]:
    """Record the heartbeat; a NOT_READY pool becomes READY (its event is returned, to emit after the commit)."""
    now = timeutil.now()
    await uow.workers.heartbeat(pool.id, worker_name, interval, now)
    if pool.status == WorkPoolStatus.NOT_READY:
        await uow.work_pools.update(pool.id, {"status": WorkPoolStatus.READY.value, "last_transitioned_status_at": now})
        return [work_pool_status_event(pool, WorkPoolStatus.READY.value)]
    return []
