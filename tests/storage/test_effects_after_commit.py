"""On a real database: what waits for the commit is never done for a rolled-back write."""

from __future__ import annotations

import pytest

from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State, StateDetails, StateType
from prefect_core.services.container import Services

pytestmark = pytest.mark.timeout(60)


class Recording:
    def __init__(self) -> None:
        self.events: list = []

    async def emit(self, events) -> None:
        self.events.extend(events)


class Abandoned(Exception):
    pass


async def _services(storage, settings) -> tuple[Services, Flow]:
    services = Services(storage, settings, events=Recording())
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="f"))
    return services, flow


async def test_a_rolled_back_flow_run_state_is_never_announced(storage, settings) -> None:
    services, flow = await _services(storage, settings)
    orch, sink = services.orchestration, services.events
    run = FlowRun(flow_id=flow.id)
    with pytest.raises(Abandoned):
        async with orch.write() as tx:
            stored = await tx.uow.flow_runs.insert(run)
            await orch.initial_flow_run_state(tx, stored, State(type=StateType.PENDING))
            raise Abandoned
    assert sink.events == []  # type: ignore[attr-defined]
    async with storage.read() as uow:
        assert await uow.flow_runs.get(run.id) is None

    async with orch.write() as tx:
        stored = await tx.uow.flow_runs.insert(run)
        await orch.initial_flow_run_state(tx, stored, State(type=StateType.PENDING))
        assert sink.events == []  # type: ignore[attr-defined]  # not before the commit
    [event] = sink.events  # type: ignore[attr-defined]
    assert event.event == "prefect.flow-run.Pending"
    assert event.resource.id == f"prefect.flow-run.{run.id}"
    assert [r.id for r in event.related] == [f"prefect.flow.{flow.id}"]


async def test_a_rolled_back_background_run_is_never_queued(storage, settings) -> None:
    services, _ = await _services(storage, settings)
    orch, queues = services.orchestration, services.task_workers
    deferred = State(type=StateType.SCHEDULED, state_details=StateDetails(deferred=True))
    run = TaskRun(task_key="bg", dynamic_key="0")
    with pytest.raises(Abandoned):
        async with orch.write() as tx:
            stored = await tx.uow.task_runs.insert(run)
            await orch.initial_task_run_state(tx, stored, deferred)
            raise Abandoned
    assert await queues.next_run(["bg"], timeout=0) is None

    async with orch.write() as tx:
        stored = await tx.uow.task_runs.insert(run)
        await orch.initial_task_run_state(tx, stored, deferred)
        assert await queues.next_run(["bg"], timeout=0) is None  # not before the commit
    queued = await queues.next_run(["bg"], timeout=0)
    assert queued is not None and queued.id == run.id
    assert queued.state is not None and queued.state.type is StateType.SCHEDULED and queued.state.state_details.deferred
    async with storage.read() as uow:
        assert (await uow.task_runs.get(run.id)).state_id == queued.state_id
