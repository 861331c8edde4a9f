"""Finding and creating pools and queues inside a unit of work.

Shared by the work-pool, deployment and flow-run use cases: the API names
pools and queues, storage links runs and deployments to queue ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import Conflict, NotFound
from prefect_core.ports import UnitOfWork
from prefect_core.schemas.work_pools import (
    DEFAULT_QUEUE_NAME,
    WorkPool,
    WorkPoolCreate,
    WorkPoolStatus,
    WorkQueue,
    WorkQueueCreate,
    WorkQueueStatus,
)

#: The pool that holds queues made without a pool (legacy `/work_queues`).
DEFAULT_AGENT_POOL = "default-agent-pool"
AGENT_POOL_TYPE = "prefect-agent"


def pool_not_found(name: str) -> NotFound:
    return NotFound(f'Work pool "{name}" not found.')


async def pool_by_name(uow: UnitOfWork, name: str) -> WorkPool:
    pool = await uow.work_pools.get_by_name(name)
    if pool is None:
        raise pool_not_found(name)
    return pool


async def queue_by_name(uow: UnitOfWork, pool_name: str, queue_name: str, *, create: bool = False) -> WorkQueue:
    """The queue `queue_name` of pool `pool_name`; created on demand when `create`.

    A missing pool is reported as the missing queue unless the queue is to be
    created, as the reference does."""
    missing = NotFound(f"Work pool queue '{pool_name}/{queue_name}' not found.")
    if create:
        pool = await pool_by_name(uow, pool_name)
    else:
        found = await uow.work_pools.get_by_name(pool_name)
        if found is None:
            raise missing
        pool = found
    queue = await uow.work_queues.get_by_name(pool.id, queue_name)
    if queue is not None:
        return queue
    if not create:
        raise missing
    return await create_queue(uow, pool, WorkQueueCreate(name=queue_name))


async def default_queue(uow: UnitOfWork, pool_name: str) -> WorkQueue:
    pool = await pool_by_name(uow, pool_name)
    queue = await uow.work_queues.get(pool.default_queue_id) if pool.default_queue_id else None
    if queue is None:
        raise NotFound(f"Work pool queue '{pool_name}/{DEFAULT_QUEUE_NAME}' not found.")
    return queue


def pool_status(pool_type: str, *, paused: bool, online_workers: int) -> WorkPoolStatus | None:
    """What a pool's status is: agent pools have none; paused wins; else workers decide."""
    if pool_type == AGENT_POOL_TYPE:
        return None
    if paused:
        return WorkPoolStatus.PAUSED
    return WorkPoolStatus.READY if online_workers else WorkPoolStatus.NOT_READY


async def create_pool(uow: UnitOfWork, body: WorkPoolCreate) -> WorkPool:
    """A new pool with its queue "default"; Conflict if the name is taken."""
    now = timeutil.now()
    pool = WorkPool(
        **body.model_dump(),
        status=pool_status(body.type, paused=body.is_paused, online_workers=0),
    )
    if not await uow.work_pools.insert(pool):
        raise Conflict("A work pool with this name already exists.")
    queue = WorkQueue(
        name=DEFAULT_QUEUE_NAME,
        description="The work pool's default queue.",
        priority=1,
        work_pool_id=pool.id,
        status=WorkQueueStatus.NOT_READY,
    )
    await uow.work_queues.insert(queue)
    await uow.work_pools.update(pool.id, {"default_queue_id": queue.id, "last_transitioned_status_at": now})
    stored = await uow.work_pools.get(pool.id)
    assert stored is not None
    return stored


def first_free_priority(taken: Sequence[int]) -> int:
    """The lowest priority no queue holds (gaps first), as the reference assigns it."""
    for position, priority in enumerate(sorted(taken), start=1):
        if priority != position:
            return position
    return max(taken, default=0) + 1


def reprioritised(current: Sequence[tuple[UUID, int]], wanted: dict[UUID, int]) -> dict[UUID, int]:
    """New priorities after giving the queues in `wanted` their priority: the others
    shift down just enough to keep priorities unique and in the same order.
    Returns only the queues whose priority changes."""
    if len(set(wanted.values())) != len(wanted):
        raise ValueError("Duplicate target priorities provided")
    others = [(qid, p) for qid, p in sorted(current, key=lambda x: x[1]) if qid not in wanted]
    ordered = list(others)
    for qid in sorted(wanted, key=lambda q: wanted[q]):
        at = next((i for i, (_, p) in enumerate(ordered) if p >= wanted[qid]), len(ordered))
        ordered.insert(at, (qid, wanted[qid]))
    before = dict(current)
    result: dict[UUID, int] = {}
    last = 0
    for qid, priority in ordered:
        if priority <= last:
            priority = last + 1
        last = priority
        if before.get(qid) != priority:
            result[qid] = priority
    return result


async def apply_priority(uow: UnitOfWork, pool_id: UUID, wanted: dict[UUID, int]) -> None:
    queues = await uow.work_queues.list(pool_id, None, 0, None)
    changes = reprioritised([(q.id, q.priority) for q in queues], wanted)
    if changes:
        await uow.work_queues.set_priorities(changes)


async def create_queue(uow: UnitOfWork, pool: WorkPool, body: WorkQueueCreate) -> WorkQueue:
    """A new queue in `pool`; Conflict if the pool has one of that name."""
    existing = await uow.work_queues.list(pool.id, None, 0, None)
    priority = body.priority or first_free_priority([q.priority for q in existing])
    queue = WorkQueue(
        **body.model_dump(exclude={"priority"}),
        priority=priority,
        work_pool_id=pool.id,
        status=WorkQueueStatus.PAUSED if body.is_paused else WorkQueueStatus.NOT_READY,
    )
    if not await uow.work_queues.insert(queue):
        raise Conflict("A work queue with this name already exists in work pool {work_pool_name!r}.")
    if body.priority:
        await apply_priority(uow, pool.id, {queue.id: body.priority})
    stored = await uow.work_queues.get(queue.id)
    assert stored is not None
    return stored


async def agent_pool(uow: UnitOfWork) -> WorkPool:
    """The default agent pool, created on first use."""
    pool = await uow.work_pools.get_by_name(DEFAULT_AGENT_POOL)
    if pool is None:
        pool = await create_pool(uow, WorkPoolCreate(name=DEFAULT_AGENT_POOL, type=AGENT_POOL_TYPE))
    return pool


async def legacy_queue(uow: UnitOfWork, name: str, *, create: bool = True) -> WorkQueue:
    """A queue named without a pool lives in the default agent pool."""
    pool = await agent_pool(uow)
    queue = await uow.work_queues.get_by_name(pool.id, name)
    if queue is None:
        if not create:
            raise NotFound("work queue not found")
        queue = await create_queue(uow, pool, WorkQueueCreate(name=name))
    return queue
