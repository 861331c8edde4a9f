"""Work-pool and work-queue use cases (pool-scoped and legacy `/work_queues`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import BadRequest, Conflict, Forbidden, NotFound, ObjectNotFound
from prefect_core.events.lifecycle_events import (
    WORK_POOL_EVENT_FIELDS,
    WORK_QUEUE_EVENT_FIELDS,
    changed_fields,
    work_pool_event,
    work_queue_event,
)
from prefect_core.events.status_events import work_pool_status_event, work_queue_status_events
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.events import Event
from prefect_core.schemas.filters import WorkPoolFilter, WorkQueueFilter
from prefect_core.schemas.work_pools import (
    WorkPool,
    WorkPoolCreate,
    WorkPoolUpdate,
    WorkQueue,
    WorkQueueCreate,
    WorkQueueHealthPolicy,
    WorkQueueStatus,
    WorkQueueStatusDetail,
    WorkQueueUpdate,
)
from prefect_core.services import schema_checks
from prefect_core.services import work_pool_lookups as lookups
from prefect_core.services.events_sink import DiscardingSink, EventSink

_RESERVED = "prefect"


def _reserved(name: str) -> bool:
    return name.lower().startswith(_RESERVED)


async def _with_pool_slots(uow: UnitOfWork, pools: list[WorkPool]) -> list[WorkPool]:
    limited = [p for p in pools if p.concurrency_limit is not None]
    if limited:
        slots = await uow.work_pools.active_slots([p.id for p in limited], timeutil.now())
        for pool in limited:
            pool.active_slots = slots.get(pool.id, 0)
    return pools


async def _with_queue_slots(uow: UnitOfWork, queues: list[WorkQueue]) -> list[WorkQueue]:
    limited = [q for q in queues if q.concurrency_limit is not None]
    if limited:
        slots = await uow.work_queues.active_slots([q.id for q in limited], timeutil.now())
        for queue in limited:
            queue.active_slots = slots.get(queue.id, 0)
    return queues


class WorkPoolService:
    def __init__(self, storage: Storage, events: EventSink | None = None) -> None:
        self.storage = storage
        #: Where lifecycle and status-change events go (created, updated, deleted, paused, ...).
        self.events: EventSink = events or DiscardingSink()

    # --- pools ---------------------------------------------------------------

    async def create_pool(self, body: WorkPoolCreate) -> WorkPool:
        if _reserved(body.name):
            raise Forbidden("Work pools starting with 'Prefect' are reserved for internal use.")
        schema_checks.check_template_defaults(body.base_job_template)
        async with self.storage.write() as uow:
            pool = await lookups.create_pool(uow, body)
            default_queue = await uow.work_queues.get(pool.default_queue_id) if pool.default_queue_id else None
            created = [await work_queue_event(uow, "created", default_queue)] if default_queue else []
            created.append(work_pool_event("created", pool))
        await self.events.emit(created)
        if pool.concurrency_limit is not None:
            pool.active_slots = 0
        return pool

    async def read_pool(self, name: str) -> WorkPool:
        async with self.storage.read() as uow:
            pool = await lookups.pool_by_name(uow, name)
            return (await _with_pool_slots(uow, [pool]))[0]

    async def read_pool_by_id(self, pool_id: UUID | None) -> WorkPool:
        async with self.storage.read() as uow:
            pool = await uow.work_pools.get(pool_id) if pool_id else None
        if pool is None:
            raise NotFound("Work pool not found.")
        return pool

    async def filter_pools(self, flt: WorkPoolFilter | None, offset: int, limit: int | None) -> list[WorkPool]:
        async with self.storage.read() as uow:
            return await _with_pool_slots(uow, await uow.work_pools.filter(flt, offset, limit))

    async def count_pools(self, flt: WorkPoolFilter | None) -> int:
        async with self.storage.read() as uow:
            return await uow.work_pools.count(flt)

    async def update_pool(self, name: str, body: WorkPoolUpdate) -> None:
        values: dict[str, Any] = body.model_dump(mode="json", exclude_unset=True)
        if _reserved(name) and set(values) - {"is_paused", "concurrency_limit"}:
            raise Forbidden(
                "Work pools starting with 'Prefect' are reserved for internal use "
                "and can only be updated to set concurrency limits or pause."
            )
        changed: list[Event] = []
        async with self.storage.write() as uow:
            pool = await lookups.pool_by_name(uow, name)
            if values.get("is_paused") is not None:
                online = await uow.workers.count_online(pool.id)
                status = lookups.pool_status(pool.type, paused=values["is_paused"], online_workers=online)
                if status is not None and status != pool.status:
                    values.update(status=status.value, last_transitioned_status_at=timeutil.now())
                    changed = [work_pool_status_event(pool, status.value)]
            if values:
                await uow.work_pools.update(pool.id, values)
                after = await uow.work_pools.get(pool.id)
                fields = [f for f in WORK_POOL_EVENT_FIELDS if f in values]
                changes = (
                    changed_fields(pool.model_dump(mode="json"), after.model_dump(mode="json"), fields) if after else {}
                )
                if changes and after is not None:
                    changed.insert(0, work_pool_event("updated", after, changes))
        await self.events.emit(changed)

    async def delete_pool(self, name: str) -> None:
        if _reserved(name):
            raise Forbidden("Work pools starting with 'Prefect' are reserved for internal use and can not be deleted.")
        async with self.storage.write() as uow:
            pool = await lookups.pool_by_name(uow, name)
            deleted = [
                await work_queue_event(uow, "deleted", q) for q in await uow.work_queues.list(pool.id, None, 0, None)
            ]
            deleted.append(work_pool_event("deleted", pool))
            await uow.work_pools.delete(pool.id)
        await self.events.emit(deleted)

    # --- pool-scoped queues --------------------------------------------------

    async def create_queue(self, pool_name: str, body: WorkQueueCreate) -> WorkQueue:
        async with self.storage.write() as uow:
            pool = await lookups.pool_by_name(uow, pool_name)
            queue = await lookups.create_queue(uow, pool, body)
            created = await work_queue_event(uow, "created", queue)
        await self.events.emit([created])
        if queue.concurrency_limit is not None:
            queue.active_slots = 0
        return queue

    async def read_queue(self, pool_name: str, queue_name: str) -> WorkQueue:
        async with self.storage.read() as uow:
            queue = await lookups.queue_by_name(uow, pool_name, queue_name)
            return (await _with_queue_slots(uow, [queue]))[0]

    async def filter_queues(
        self, pool_name: str, flt: WorkQueueFilter | None, offset: int, limit: int | None
    ) -> list[WorkQueue]:
        async with self.storage.read() as uow:
            pool = await lookups.pool_by_name(uow, pool_name)
            return await _with_queue_slots(uow, await uow.work_queues.list(pool.id, flt, offset, limit))

    async def update_queue(self, pool_name: str, queue_name: str, body: WorkQueueUpdate) -> None:
        async with self.storage.write() as uow:
            await lookups.pool_by_name(uow, pool_name)  # an unknown pool is named as such here
            queue = await lookups.queue_by_name(uow, pool_name, queue_name)
            changed = await self._update_queue(uow, queue, body)
        await self.events.emit(changed)

    async def delete_queue(self, pool_name: str, queue_name: str) -> None:
        async with self.storage.write() as uow:
            pool = await lookups.pool_by_name(uow, pool_name)
            queue = await lookups.queue_by_name(uow, pool_name, queue_name)
            deleted = await self._delete_queue(uow, pool.default_queue_id, queue)
        await self.events.emit(deleted)

    # --- legacy /work_queues -------------------------------------------------

    async def create_legacy_queue(self, body: WorkQueueCreate) -> WorkQueue:
        async with self.storage.write() as uow:
            pool = await lookups.agent_pool(uow)
            if body.name == pool.name or await uow.work_queues.get_by_name(pool.id, body.name):
                raise Conflict("A work queue with this name already exists.")
            queue = await lookups.create_queue(uow, pool, body)
            created = await work_queue_event(uow, "created", queue)
        await self.events.emit([created])
        if queue.concurrency_limit is not None:
            queue.active_slots = 0
        return queue

    async def read_queue_by_id(self, queue_id: UUID) -> WorkQueue:
        async with self.storage.read() as uow:
            queue = await uow.work_queues.get(queue_id)
            if queue is None:
                raise NotFound("work queue not found")
            return (await _with_queue_slots(uow, [queue]))[0]

    async def read_legacy_queue_by_name(self, name: str) -> WorkQueue:
        async with self.storage.read() as uow:
            pool = await uow.work_pools.get_by_name(lookups.DEFAULT_AGENT_POOL)
            queue = await uow.work_queues.get_by_name(pool.id, name) if pool else None
            if queue is None:
                raise NotFound("work queue not found")
            return (await _with_queue_slots(uow, [queue]))[0]

    async def filter_all_queues(self, flt: WorkQueueFilter | None, offset: int, limit: int | None) -> list[WorkQueue]:
        async with self.storage.read() as uow:
            return await _with_queue_slots(uow, await uow.work_queues.list(None, flt, offset, limit))

    async def update_queue_by_id(self, queue_id: UUID, body: WorkQueueUpdate) -> None:
        async with self.storage.write() as uow:
            queue = await uow.work_queues.get(queue_id)
            if queue is None:
                raise NotFound(f"Work Queue {queue_id} not found")
            changed = await self._update_queue(uow, queue, body)
        await self.events.emit(changed)

    async def delete_queue_by_id(self, queue_id: UUID) -> None:
        async with self.storage.write() as uow:
            queue = await uow.work_queues.get(queue_id)
            if queue is None or queue.work_pool_id is None:
                raise NotFound("work queue not found")
            pool = await uow.work_pools.get(queue.work_pool_id)
            deleted = await self._delete_queue(uow, pool.default_queue_id if pool else None, queue)
        await self.events.emit(deleted)

    async def queue_status(self, queue_id: UUID) -> WorkQueueStatusDetail:
        async with self.storage.read() as uow:
            queue = await uow.work_queues.get(queue_id)
            if queue is None:
                raise ObjectNotFound(f"Work queue with id {queue_id} not found")
            late = await uow.work_queues.late_runs_count(queue_id)
        policy = WorkQueueHealthPolicy()
        recent = queue.last_polled is not None and (
            (timeutil.now() - queue.last_polled).total_seconds() <= (policy.maximum_seconds_since_last_polled or 0)
        )
        healthy = recent and late <= (policy.maximum_late_runs or 0)
        return WorkQueueStatusDetail(
            healthy=healthy, late_runs_count=late, last_polled=queue.last_polled, health_check_policy=policy
        )

    # --- shared --------------------------------------------------------------

    async def _update_queue(self, uow: UnitOfWork, queue: WorkQueue, body: WorkQueueUpdate) -> list[Event]:
        """Apply the update; returns the events to emit after the commit (updated, and the
        status event if the status changed)."""
        values: dict[str, Any] = body.model_dump(mode="json", exclude_unset=True)
        if "is_paused" in values:
            if values["is_paused"] and queue.status != WorkQueueStatus.PAUSED:
                values["status"] = WorkQueueStatus.PAUSED.value
            elif values["is_paused"] is False and queue.status == WorkQueueStatus.PAUSED:
                last = values.get("last_polled") or queue.last_polled
                recent = last is not None and (timeutil.now() - timeutil.parse(last)).total_seconds() <= 60
                values["status"] = (WorkQueueStatus.READY if recent else WorkQueueStatus.NOT_READY).value
        if values.get("name") and values["name"] != queue.name and queue.work_pool_id is not None:
            if await uow.work_queues.get_by_name(queue.work_pool_id, values["name"]) is not None:
                raise Conflict("A work queue with this name already exists.")
        priority = values.pop("priority", None)
        if values:
            await uow.work_queues.update(queue.id, values)
        if priority is not None and queue.work_pool_id is not None:
            await lookups.apply_priority(uow, queue.work_pool_id, {queue.id: priority})
        events: list[Event] = []
        fields = [f for f in WORK_QUEUE_EVENT_FIELDS if f in values or (f == "priority" and priority is not None)]
        after = await uow.work_queues.get(queue.id) if fields else None  # reread only when an event may name it
        if after is not None:
            changes = changed_fields(queue.model_dump(mode="json"), after.model_dump(mode="json"), fields)
            if changes:
                events.append(await work_queue_event(uow, "updated", after, changes))
        if "status" in values and values["status"] != queue.status:
            events += await work_queue_status_events(uow, [queue.id], values["status"])
        return events

    async def _delete_queue(self, uow: UnitOfWork, default_queue_id: UUID | None, queue: WorkQueue) -> list[Event]:
        if queue.id == default_queue_id:
            raise BadRequest("Can't delete a pool's default queue.")
        deleted = await work_queue_event(uow, "deleted", queue)
        await uow.work_queues.delete(queue.id)
        if queue.work_pool_id is not None:
            await lookups.apply_priority(uow, queue.work_pool_id, {})
        return [deleted]
