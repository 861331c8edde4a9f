"""The repository contract, run against every selected storage backend."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from prefect_core import timeutil
from prefect_core.schemas import filters as f
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.events import Event
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.logs import Log
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.sorting import FlowRunSort, LogSort
from prefect_core.schemas.states import State, StateType


async def _flow_and_run(storage, name: str = "f") -> tuple[Flow, FlowRun]:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name=name, tags=["a", "b"]))
        run = await uow.flow_runs.insert(FlowRun(flow_id=flow.id, tags=["t1"], parameters={"x": 1}))
    return flow, run


async def test_flow_get_or_create_is_unique_by_name(storage) -> None:
    async with storage.write() as uow:
        a = await uow.flows.get_or_create(Flow(name="same"))
        b = await uow.flows.get_or_create(Flow(name="same", tags=["ignored"]))
    assert a.id == b.id and b.tags == []


async def test_flow_run_round_trip_keeps_every_field(storage) -> None:
    flow, run = await _flow_and_run(storage)
    async with storage.read() as uow:
        stored = await uow.flow_runs.get(run.id)
    assert stored is not None
    assert stored.parameters == {"x": 1} and stored.tags == ["t1"] and stored.flow_id == flow.id
    assert stored.created is not None and stored.created.tzinfo == dt.UTC
    assert stored.state is None


async def test_state_history_and_current_state(storage) -> None:
    _, run = await _flow_and_run(storage)
    t0 = timeutil.now()
    states = [
        State(type=StateType.PENDING, timestamp=t0),
        State(type=StateType.RUNNING, timestamp=t0 + dt.timedelta(seconds=1)),
        State(type=StateType.COMPLETED, timestamp=t0 + dt.timedelta(seconds=2), data={"k": "v"}),
    ]
    for state in states:
        async with storage.write() as uow:
            await uow.flow_run_states.add(run.id, state)
    async with storage.read() as uow:
        stored = await uow.flow_runs.get(run.id)
        history = await uow.flow_run_states.history(run.id)
        one = await uow.flow_run_states.get(states[1].id)
    assert stored.state.id == states[-1].id and stored.state_type == StateType.COMPLETED
    assert stored.state.data == {"k": "v"}
    assert [s.id for s in history] == [s.id for s in states]
    assert one.type == StateType.RUNNING and one.timestamp == states[1].timestamp


async def test_rollback_leaves_nothing_behind(storage) -> None:
    with pytest.raises(RuntimeError):
        async with storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="ghost"))
            raise RuntimeError("boom")
    async with storage.read() as uow:
        assert await uow.flows.get_by_name("ghost") is None


async def test_task_run_insert_is_an_upsert_on_its_key(storage) -> None:
    _, run = await _flow_and_run(storage)
    async with storage.write() as uow:
        a = await uow.task_runs.insert(TaskRun(flow_run_id=run.id, task_key="k", dynamic_key="0"))
        b = await uow.task_runs.insert(TaskRun(flow_run_id=run.id, task_key="k", dynamic_key="0"))
        c = await uow.task_runs.insert(TaskRun(flow_run_id=run.id, task_key="k", dynamic_key="1"))
    assert a.id == b.id != c.id


async def test_filters_join_across_objects(storage) -> None:
    _flow_a, run_a = await _flow_and_run(storage, "a")
    _flow_b, run_b = await _flow_and_run(storage, "b")
    async with storage.write() as uow:
        await uow.flow_run_states.add(run_a.id, State(type=StateType.RUNNING))
        await uow.task_runs.insert(TaskRun(flow_run_id=run_b.id, task_key="k", dynamic_key="0"))
    body = RunFilterBody.model_validate
    async with storage.read() as uow:
        running = await uow.flow_runs.filter(
            body({"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}), FlowRunSort.ID_DESC, 0, 10
        )
        assert [r.id for r in running] == [run_a.id]
        by_flow = await uow.task_runs.count(body({"flows": {"name": {"any_": ["b"]}}}))
        assert by_flow == 1
        flows_with_tasks = await uow.flows.filter(body({"task_runs": {}}), "NAME_ASC", 0, None)
        assert {fl.name for fl in flows_with_tasks} == {"a", "b"}
        tagged = await uow.flow_runs.count(body({"flow_runs": {"tags": {"all_": ["t1"]}}}))
        assert tagged == 2
        none_tagged = await uow.flow_runs.count(body({"flow_runs": {"tags": {"all_": ["t1", "zz"]}}}))
        assert none_tagged == 0
        assert await uow.flows.count(body({"flows": {"name": {"like_": "A"}}})) == 1


async def test_task_cache_respects_expiration(storage) -> None:
    _, run = await _flow_and_run(storage)
    async with storage.write() as uow:
        task = await uow.task_runs.insert(TaskRun(flow_run_id=run.id, task_key="k", dynamic_key="0"))
        done = State(type=StateType.COMPLETED, data={"r": 1})
        await uow.task_run_states.add(task.id, done)
        await uow.task_cache.put("key", done, timeutil.now() + dt.timedelta(hours=1))
        old = State(type=StateType.COMPLETED)
        await uow.task_run_states.add(task.id, old)
        await uow.task_cache.put("old", old, timeutil.now() - dt.timedelta(seconds=1))
    async with storage.read() as uow:
        assert (await uow.task_cache.get("key", timeutil.now())).id == done.id
        assert await uow.task_cache.get("old", timeutil.now()) is None
        assert await uow.task_cache.get("missing", timeutil.now()) is None


async def test_logs_insert_and_filter(storage) -> None:
    _, run = await _flow_and_run(storage)
    now = timeutil.now()
    logs = [
        Log(name="l", level=10 * i, message=f"m{i}", timestamp=now + dt.timedelta(seconds=i), flow_run_id=run.id)
        for i in range(1, 5)
    ]
    async with storage.write() as uow:
        await uow.logs.insert_many(logs)
    async with storage.read() as uow:
        warn = await uow.logs.filter(f.LogFilter(level=f.LogFilterLevel(ge_=30)), LogSort.TIMESTAMP_ASC, 0, None)
        assert [l.message for l in warn] == ["m3", "m4"]
        assert await uow.logs.count(f.LogFilter(flow_run_id=f.LogFilterFlowRunId(any_=[run.id]))) == 4


async def test_events_are_stored_once(storage) -> None:
    event = Event(occurred=timeutil.now(), event="x.y", resource={"prefect.resource.id": "r.1"})
    async with storage.write() as uow:
        await uow.events.insert_many([event])
    async with storage.write() as uow:
        await uow.events.insert_many([event])
    async with storage.read() as uow:
        found = await uow.events.filter(_any_event_filter(), 10)
    assert [e.id for e in found] == [event.id]


def _any_event_filter():
    from prefect_core.schemas import events as ev

    return ev.EventFilter.model_validate({})


async def test_concurrent_writers_never_lose_an_update(storage) -> None:
    """Read-modify-write of one row from 16 concurrent units of work, each holding the row lock."""
    _, run = await _flow_and_run(storage)

    async def bump() -> None:
        async with storage.write() as uow:
            current = await uow.flow_runs.get(run.id, for_update=True)
            await asyncio.sleep(0)
            await uow.flow_runs.update(run.id, {"run_count": current.run_count + 1})

    await asyncio.gather(*(bump() for _ in range(16)))
    async with storage.read() as uow:
        assert (await uow.flow_runs.get(run.id)).run_count == 16
