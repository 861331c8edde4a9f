"""Flow-run use cases."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect_core.errors import NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.base import KeyValueLabels
from prefect_core.schemas.bodies.queries import FlowRunPage, FlowRunQuery, RunFilterBody, page_count
from prefect_core.schemas.runs import CreatedBy, FlowRun, FlowRunCreate, FlowRunUpdate
from prefect_core.schemas.states import State, StateType
from prefect_core.services import work_pool_lookups
from prefect_core.services.orchestration import OrchestrationService
from prefect_core.services.scheduling.runs import deployment_run_labels


class FlowRunService:
    def __init__(self, storage: Storage, orchestration: OrchestrationService) -> None:
        self.storage = storage
        self.orchestration = orchestration

    async def create(self, body: FlowRunCreate, created_by: CreatedBy | None = None) -> tuple[FlowRun, bool]:
        """Create a flow run in its given state (PENDING when none). With an
        idempotency key already used for the flow, return that run instead.
        Returns the run and whether it was created now."""
        state = State.from_create(body.state) if body.state else State(type=StateType.PENDING)
        data = body.model_dump(exclude={"state", "work_pool_name"}, exclude_none=True)
        candidate = FlowRun(**data, created_by=created_by)
        async with self.orchestration.write() as tx:
            uow = tx.uow
            flow = await uow.flows.get(body.flow_id)
            if flow is None:
                raise NotFound("Flow not found")
            candidate.labels = {**(flow.labels or {}), "prefect.flow.id": str(flow.id), **(body.labels or {})}
            await _place_in_pool_and_deployment(uow, candidate, body)
            stored = await uow.flow_runs.insert(candidate)
            created = stored.id == candidate.id
            if created:
                # The run as written: nothing to read back.
                stored = await self.orchestration.initial_flow_run_state(tx, stored, state)
        return stored, created

    async def read(self, run_id: UUID) -> FlowRun:
        async with self.storage.read(one_query=True) as uow:
            run = await uow.flow_runs.get(run_id)
        if run is None:
            raise NotFound("Flow run not found")
        return run

    async def read_document(self, run_id: UUID) -> dict[str, Any]:
        """`read`'s run as the JSON-ready dict its model serialises to (the port's `get_document`)."""
        async with self.storage.read(one_query=True) as uow:
            run = await uow.flow_runs.get_document(run_id)
        if run is None:
            raise NotFound("Flow run not found")
        return run

    async def update(self, run_id: UUID, body: FlowRunUpdate) -> None:
        values = body.model_dump(exclude_unset=True, mode="json")
        async with self.storage.write() as uow:
            run = await uow.flow_runs.get(run_id)
            if run is None:
                raise NotFound("Flow run not found")
            if values:
                await uow.flow_runs.update(run_id, values)

    async def update_labels(self, run_id: UUID, labels: KeyValueLabels) -> None:
        """Merge `labels` into the run's labels."""
        async with self.storage.write() as uow:
            run = await uow.flow_runs.get(run_id)
            if run is None:
                raise NotFound("Flow run not found")
            await uow.flow_runs.update(run_id, {"labels": {**(run.labels or {}), **labels}})

    async def delete(self, run_id: UUID) -> None:
        async with self.storage.write() as uow:
            if not await uow.flow_runs.delete(run_id):
                raise NotFound("Flow run not found")

    async def filter(self, query: FlowRunQuery) -> list[FlowRun]:
        async with self.storage.read(one_query=True) as uow:
            return await uow.flow_runs.filter(query, query.sort, query.offset, query.limit)

    async def filter_documents(self, query: FlowRunQuery) -> list[dict[str, Any]]:
        """`filter`'s page as JSON-ready dicts (the port's `filter_documents`)."""
        async with self.storage.read(one_query=True) as uow:
            return await uow.flow_runs.filter_documents(query, query.sort, query.offset, query.limit)

    async def count(self, body: RunFilterBody) -> int:
        async with self.storage.read(one_query=True) as uow:
            return await uow.flow_runs.count(body)

    async def paginate(self, query: FlowRunPage) -> dict[str, Any]:
        async with self.storage.read() as uow:
            items = await uow.flow_runs.filter(query, query.sort, query.offset, query.limit)
            total = await uow.flow_runs.count(query)
        return {
            "results": items,
            "count": total,
            "limit": query.limit,
            "pages": page_count(total, query.limit),
            "page": query.page,
        }

    async def states(self, run_id: UUID) -> list[State]:
        async with self.storage.read(one_query=True) as uow:
            return await uow.flow_run_states.history(run_id)

    async def state(self, state_id: UUID) -> State:
        async with self.storage.read() as uow:
            state = await uow.flow_run_states.get(state_id)
        if state is None:
            raise NotFound("Flow run state not found")
        return state


async def _place_in_pool_and_deployment(uow: UnitOfWork, run: FlowRun, body: FlowRunCreate) -> None:
    """A run created in a pool goes to the named queue (or the pool's default one);
    a run of a deployment carries the deployment's labels, as the reference does."""
    if body.work_pool_name:
        if body.work_queue_name:
            queue = await work_pool_lookups.queue_by_name(uow, body.work_pool_name, body.work_queue_name)
        else:
            queue = await work_pool_lookups.default_queue(uow, body.work_pool_name)
        run.work_queue_id = queue.id
    if body.deployment_id is not None:
        deployment = await uow.deployments.get(body.deployment_id)
        if deployment is not None:
            run.labels = deployment_run_labels(deployment, body.labels)
