"""The flow-run-input and flow-run-start repositories, on every selected backend."""

from __future__ import annotations

from prefect_core.schemas import filters as f
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.flow_run_inputs import FlowRunInput
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.states import State, StateType


async def _run(storage) -> FlowRun:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="f"))
        return await uow.flow_runs.insert(FlowRun(flow_id=flow.id))


async def test_inputs_are_unique_per_run_and_key(storage) -> None:
    run, other = await _run(storage), await _run(storage)
    async with storage.write() as uow:
        assert await uow.flow_run_inputs.insert(FlowRunInput(flow_run_id=run.id, key="k", value="1", sender="s"))
        assert not await uow.flow_run_inputs.insert(FlowRunInput(flow_run_id=run.id, key="k", value="2"))
        assert await uow.flow_run_inputs.insert(FlowRunInput(flow_run_id=other.id, key="k", value="3"))
    async with storage.read() as uow:
        stored = await uow.flow_run_inputs.get(run.id, "k")
        assert stored is not None and (stored.value, stored.sender) == ("1", "s")
        assert stored.created is not None and stored.updated is not None
        assert await uow.flow_run_inputs.get(run.id, "nope") is None


async def test_filter_by_literal_prefix_oldest_first(storage) -> None:
    run = await _run(storage)
    for key in ("a-1", "b-1", "a-2", "a%x", "A-3"):
        async with storage.write() as uow:
            await uow.flow_run_inputs.insert(FlowRunInput(flow_run_id=run.id, key=key, value=key))
    async with storage.read() as uow:
        repo = uow.flow_run_inputs
        assert [i.key for i in await repo.filter(run.id, prefix="a-", exclude_keys=[], limit=None)] == ["a-1", "a-2"]
        assert [i.key for i in await repo.filter(run.id, prefix="a", exclude_keys=["a-2"], limit=None)] == [
            "a-1",
            "a%x",
        ]
        assert [i.key for i in await repo.filter(run.id, prefix="a%", exclude_keys=[], limit=None)] == ["a%x"]
        assert [i.key for i in await repo.filter(run.id, prefix="", exclude_keys=[], limit=2)] == ["a-1", "b-1"]


async def test_delete_and_cascade(storage) -> None:
    run = await _run(storage)
    async with storage.write() as uow:
        await uow.flow_run_inputs.insert(FlowRunInput(flow_run_id=run.id, key="a", value="1"))
        await uow.flow_run_inputs.insert(FlowRunInput(flow_run_id=run.id, key="b", value="2"))
        assert await uow.flow_run_inputs.delete(run.id, "a")
        assert not await uow.flow_run_inputs.delete(run.id, "a")
        await uow.flow_runs.delete(run.id)
    async with storage.read() as uow:
        assert await uow.flow_run_inputs.get(run.id, "b") is None


async def test_flow_run_starts(storage) -> None:
    run = await _run(storage)
    async with storage.write() as uow:
        await uow.flow_run_states.add(run.id, State(type=StateType.RUNNING), {"start_time": run.created})
    body = RunFilterBody(flow_runs=f.FlowRunFilter(id=f.FlowRunFilterId(any_=[run.id])))
    async with storage.read() as uow:
        [start] = await uow.flow_run_starts.starts(body)
        assert start.state_type is StateType.RUNNING and start.start_time == run.created
        assert (
            await uow.flow_run_starts.starts(RunFilterBody(flows=f.FlowFilter(name=f.FlowFilterName(any_=["none"]))))
            == []
        )
