"""Task-run use cases."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect_core.errors import NotFound
from prefect_core.ports import Storage
from prefect_core.schemas.bodies.queries import RunFilterBody, TaskRunPage, TaskRunQuery, page_count
from prefect_core.schemas.runs import TaskRun, TaskRunCreate, TaskRunUpdate
from prefect_core.schemas.states import State, StateType
from prefect_core.services.orchestration import OrchestrationService


class TaskRunService:
    def __init__(self, storage: Storage, orchestration: OrchestrationService) -> None:
        self.storage = storage
        self.orchestration = orchestration

    async def create(self, body: TaskRunCreate) -> tuple[TaskRun, bool]:
        """Create a task run (PENDING when no state is given), or return the one
        with the same (flow_run_id, task_key, dynamic_key). True when created now."""
        state = State.from_create(body.state) if body.state else State(type=StateType.PENDING)
        data = body.model_dump(exclude={"state"}, exclude_none=True)
        candidate = TaskRun(**data)
        # A background run is handed to its task queue once committed (an effect).
        async with self.orchestration.write() as tx:
            uow = tx.uow
            if body.flow_run_id is not None and not await uow.flow_runs.exists(body.flow_run_id):
                raise NotFound("Flow run not found")
            stored = await uow.task_runs.insert(candidate)
            created = stored.id == candidate.id
            if created:
                # The run as written: nothing to read back.
                stored = await self.orchestration.initial_task_run_state(tx, stored, state)
        return stored, created

    async def read(self, run_id: UUID) -> TaskRun:
        async with self.storage.read(one_query=True) as uow:
            run = await uow.task_runs.get(run_id)
        if run is None:
            raise NotFound("Task not found")  # the reference's words for read and delete
        return run

    async def update(self, run_id: UUID, body: TaskRunUpdate) -> None:
        values = body.model_dump(exclude_unset=True, mode="json")
        async with self.storage.write() as uow:
            if await uow.task_runs.get(run_id) is None:
                raise NotFound("Task run not found")
            if values:
                await uow.task_runs.update(run_id, values)

    async def delete(self, run_id: UUID) -> None:
        async with self.storage.write() as uow:
            if not await uow.task_runs.delete(run_id):
                raise NotFound("Task not found")

    async def read_document(self, run_id: UUID) -> dict[str, Any]:
        """`read`'s run as the JSON-ready dict its model serialises to (the port's `get_document`)."""
        async with self.storage.read(one_query=True) as uow:
            run = await uow.task_runs.get_document(run_id)
        if run is None:
            raise NotFound("Task not found")
        return run

    async def filter_documents(self, query: TaskRunQuery) -> list[dict[str, Any]]:
        """`filter`'s page as JSON-ready dicts (the port's `filter_documents`)."""
        async with self.storage.read(one_query=True) as uow:
            return await uow.task_runs.filter_documents(query, query.sort, query.offset, query.limit)

    async def filter(self, query: TaskRunQuery) -> list[TaskRun]:
        async with self.storage.read(one_query=True) as uow:
            return await uow.task_runs.filter(query, query.sort, query.offset, query.limit)

    async def count(self, body: RunFilterBody) -> int:
        async with self.storage.read(one_query=True) as uow:
            return await uow.task_runs.count(body)

    async def paginate(self, query: TaskRunPage) -> dict[str, Any]:
        async with self.storage.read() as uow:
            items = await uow.task_runs.filter(query, query.sort, query.offset, query.limit)
            total = await uow.task_runs.count(query)
        return {
            "results": items,
            "count": total,
            "limit": query.limit,
            "pages": page_count(total, query.limit),
            "page": query.page,
        }

    async def states(self, run_id: UUID) -> list[State]:
        async with self.storage.read(one_query=True) as uow:
            return await uow.task_run_states.history(run_id)

    async def state(self, state_id: UUID) -> State:
        async with self.storage.read() as uow:
            state = await uow.task_run_states.get(state_id)
        if state is None:
            raise NotFound("Flow run state not found")  # sic: the reference's text for task run states too
        return state
