"""Which runs hold a pool's or a queue's concurrency slots (the UI's concurrency views)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect_core import run_facts, timeutil
from prefect_core.errors import NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.bodies.queries import RunFilterBody, page_count
from prefect_core.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
    WorkQueueFilter,
    WorkQueueFilterId,
)
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.states import StateType

#: The pool view counts what the pool scheduler counts; the queue view adds CANCELLING.
POOL_SLOT_STATES = sorted(run_facts.WORK_POOL_SLOT_STATES)
QUEUE_SLOT_STATES = [StateType.PENDING, StateType.RUNNING, StateType.CANCELLING]


def _holders(queue_ids: list[UUID], states: list[StateType]) -> RunFilterBody:
    return RunFilterBody(
        work_pool_queues=WorkQueueFilter(id=WorkQueueFilterId(any_=queue_ids)),
        flow_runs=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states))),
    )


def slot_summary(run: FlowRun) -> dict[str, Any]:
    stamp = run.state.timestamp if run.state else None
    return {
        "id": str(run.id),
        "name": run.name,
        "state_type": run.state_type,
        "state_name": run.state_name,
        "start_time": run.start_time,
        "state_timestamp": stamp,
        "time_in_current_state": (timeutil.now() - stamp).total_seconds() if stamp else None,
    }


async def _runs(
    uow: UnitOfWork, queue_ids: list[UUID], states: list[StateType], offset: int, limit: int
) -> tuple[list[FlowRun], int]:
    query = _holders(queue_ids, states)
    runs = await uow.flow_runs.filter(query, FlowRunSort.START_TIME_ASC, offset, limit)
    return runs, await uow.flow_runs.count(query)


class WorkPoolStatusService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def pool(self, pool_name: str, *, page: int, limit: int, flow_run_limit: int) -> dict[str, Any]:
        async with self.storage.read() as uow:
            pool = await uow.work_pools.get_by_name(pool_name)
            if pool is None:
                raise NotFound(f"Work pool {pool_name!r} not found.")
            queues = await uow.work_queues.list(pool.id, None, (page - 1) * limit, limit)
            total_queues = await uow.work_queues.count(pool.id, None)
            all_queue_ids = [q.id for q in await uow.work_queues.list(pool.id, None, 0, None)]
            _, active = await _runs(uow, all_queue_ids, POOL_SLOT_STATES, 0, 0)
            details = []
            for queue in queues:
                runs, count = await _runs(uow, [queue.id], POOL_SLOT_STATES, 0, flow_run_limit)
                details.append(
                    {
                        "queue_id": str(queue.id),
                        "queue_name": queue.name,
                        "active_slots": count,
                        "concurrency_limit": queue.concurrency_limit,
                        "flow_runs": [slot_summary(r) for r in runs],
                        "flow_run_count": count,
                    }
                )
        return {
            "active_slots": active,
            "concurrency_limit": pool.concurrency_limit,
            "queues": details,
            "count": total_queues,
            "limit": limit,
            "pages": page_count(total_queues, limit),
            "page": page,
        }

    async def queue(self, queue_id: UUID, *, page: int, limit: int) -> dict[str, Any]:
        async with self.storage.read() as uow:
            queue = await uow.work_queues.get(queue_id)
            if queue is None:
                raise NotFound("Work queue not found.")
            runs, count = await _runs(uow, [queue_id], QUEUE_SLOT_STATES, (page - 1) * limit, limit)
        return {
            "active_slots": count,
            "concurrency_limit": queue.concurrency_limit,
            "flow_runs": [slot_summary(r) for r in runs],
            "count": count,
            "limit": limit,
            "pages": page_count(count, limit),
            "page": page,
        }
