"""The task-run recorder's decisions, against an in-memory unit of work."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID, uuid4

import pytest

from prefect_core import timeutil
from prefect_core.events.task_run_recorder import (
    TaskRunRecorder,
    is_recordable,
    state_change_from_event,
    supersedes,
)
from prefect_core.schemas.events import Event
from prefect_core.schemas.runs import TaskRun
from prefect_core.schemas.states import State, StateType
from tests.unit.event_builders import task_run_event, traced_events

T0 = timeutil.now() - dt.timedelta(minutes=5)


class FakeTaskRuns:
    def __init__(self) -> None:
        self.rows: dict[UUID, TaskRun] = {}
        self.history: dict[UUID, list[State]] = {}
        self.updates = 0

    async def get(self, run_id: UUID, *, for_update: bool = False) -> TaskRun | None:
        return self.rows.get(run_id)

    async def get_by_key(self, flow_run_id, task_key, dynamic_key) -> TaskRun | None:
        return next(
            (
                r
                for r in self.rows.values()
                if (r.flow_run_id, r.task_key, r.dynamic_key) == (flow_run_id, task_key, dynamic_key)
            ),
            None,
        )

    async def insert(self, run: TaskRun) -> TaskRun:
        existing = await self.get_by_key(run.flow_run_id, run.task_key, run.dynamic_key)
        if existing is not None and run.flow_run_id is not None:
            return existing
        self.rows[run.id] = run.model_copy(update={"state": None})
        return self.rows[run.id]

    async def get_many(self, run_ids) -> list[TaskRun]:
        return [self.rows[i] for i in run_ids if i in self.rows]

    async def add_states(self, states) -> None:
        for run_id, state in states:
            assert run_id in self.rows  # the run is written before its states
            history = self.history.setdefault(run_id, [])
            if not any(s.id == state.id for s in history):
                history.append(state)

    async def set_current_state(self, run_id: UUID, state: State, values: dict[str, Any]) -> None:
        self.updates += 1
        row = self.rows[run_id]
        data = {
            **row.model_dump(),
            **values,
            "state": state,
            "state_type": state.type,
            "state_name": state.name,
            "state_id": state.id,
        }
        self.rows[run_id] = TaskRun.model_validate(data)


class FakeFlowRuns:
    def __init__(self, *ids: UUID) -> None:
        self.ids = set(ids)

    async def get(self, run_id: UUID, *, for_update: bool = False) -> object | None:
        return object() if run_id in self.ids else None


class FakeUow:
    def __init__(self, *flow_run_ids: UUID) -> None:
        self.task_runs = FakeTaskRuns()
        self.flow_runs = FakeFlowRuns(*flow_run_ids)


def ev(data: dict[str, Any]) -> Event:
    return Event.model_validate(data)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


FLOW_RUN = uuid4()


def lifecycle(run_id: UUID, *names: str, **kw: Any) -> list[Event]:
    return [
        ev(task_run_event(run_id, name, flow_run_id=FLOW_RUN, occurred=at(i), run_count=min(i, 1), **kw))
        for i, name in enumerate(names)
    ]


def test_what_is_recorded() -> None:
    run_id = uuid4()
    (pending,) = lifecycle(run_id, "Pending")
    assert is_recordable(pending)
    server_side = pending.model_copy(
        update={
            "resource": pending.resource.model_copy(
                update={"root": {k: v for k, v in pending.resource.root.items() if k != "prefect.orchestration"}}
            )
        }
    )
    assert not is_recordable(server_side)
    assert not is_recordable(pending.model_copy(update={"event": "prefect.flow-run.Pending"}))


def test_the_event_id_becomes_the_state_id_and_occurred_its_timestamp() -> None:
    run_id = uuid4()
    (running,) = lifecycle(run_id, "Running")
    change = state_change_from_event(running)
    assert change.run.id == run_id and change.run.flow_run_id == FLOW_RUN
    assert change.state.id == running.id and change.state.timestamp == running.occurred
    assert change.state.type is StateType.RUNNING and change.state.name == "Running"
    assert change.state.state_details.task_run_id == run_id
    assert "task_key" in change.fields and "end_time" not in change.fields


def test_malformed_events_are_refused() -> None:
    bad = task_run_event(uuid4(), "Running")
    del bad["payload"]["task_run"]
    with pytest.raises(ValueError):
        state_change_from_event(ev(bad))
    bad = task_run_event(uuid4(), "Running")
    bad["resource"]["prefect.resource.id"] = "prefect.task-run.not-a-uuid"
    with pytest.raises(ValueError):
        state_change_from_event(ev(bad))


def test_only_strictly_newer_states_supersede() -> None:
    old = State(type=StateType.PENDING, timestamp=at(0))
    new = State(type=StateType.RUNNING, timestamp=at(1))
    assert supersedes(None, old)
    assert supersedes(old, new)
    assert not supersedes(new, old)
    assert not supersedes(new, new.model_copy())


async def test_a_lifecycle_builds_the_run_and_its_history() -> None:
    uow = FakeUow(FLOW_RUN)
    run_id = uuid4()
    events = lifecycle(run_id, "Pending", "Running", "Completed", extra_run={"tags": ["a"]})
    assert await TaskRunRecorder().record(uow, events) == 3
    run = uow.task_runs.rows[run_id]
    assert run.state_name == "Completed" and run.state.id == events[-1].id
    assert run.tags == ["a"] and run.run_count == 1
    assert [s.name for s in uow.task_runs.history[run_id]] == ["Pending", "Running", "Completed"]


async def test_out_of_order_states_join_the_history_without_becoming_current() -> None:
    uow = FakeUow(FLOW_RUN)
    run_id = uuid4()
    pending, running, completed = lifecycle(run_id, "Pending", "Running", "Completed")
    recorder = TaskRunRecorder()
    await recorder.record(uow, [completed])
    updates = uow.task_runs.updates
    await recorder.record(uow, [running, pending])
    run = uow.task_runs.rows[run_id]
    assert run.state.name == "Completed" and run.run_count == 1
    assert uow.task_runs.updates == updates  # older payloads never touched the row
    assert {s.name for s in uow.task_runs.history[run_id]} == {"Pending", "Running", "Completed"}


async def test_redelivered_events_change_nothing() -> None:
    uow = FakeUow(FLOW_RUN)
    run_id = uuid4()
    events = lifecycle(run_id, "Pending", "Running")
    recorder = TaskRunRecorder()
    await recorder.record(uow, events)
    updates = uow.task_runs.updates
    await recorder.record(uow, events + events)
    assert uow.task_runs.updates == updates
    assert len(uow.task_runs.history[run_id]) == 2


async def test_an_existing_run_with_the_same_key_keeps_its_id() -> None:
    uow = FakeUow(FLOW_RUN)
    first, second = uuid4(), uuid4()
    await TaskRunRecorder().record(uow, lifecycle(first, "Pending"))
    (running,) = [ev(task_run_event(second, "Running", flow_run_id=FLOW_RUN, occurred=at(5), run_count=1))]
    await TaskRunRecorder().record(uow, [running])
    assert set(uow.task_runs.rows) == {first}
    assert uow.task_runs.rows[first].state.name == "Running"
    assert uow.task_runs.history[first][-1].state_details.task_run_id == first


async def test_events_for_an_unknown_flow_run_are_skipped(caplog) -> None:
    uow = FakeUow()  # no flow runs
    await TaskRunRecorder().record(uow, lifecycle(uuid4(), "Pending"))
    assert uow.task_runs.rows == {} and uow.task_runs.history == {}
    assert "unknown flow run" in caplog.text


async def test_background_task_runs_have_no_flow_run() -> None:
    uow = FakeUow()
    run_id = uuid4()
    events = [ev(task_run_event(run_id, name, occurred=at(i))) for i, name in enumerate(["Scheduled", "Pending"])]
    assert await TaskRunRecorder().record(uow, events) == 2
    assert uow.task_runs.rows[run_id].flow_run_id is None


async def test_the_traced_flaky_task_ends_completed_after_a_retry() -> None:
    events = [ev(e) for e in traced_events("a")]
    flow_run_ids = {e.first_related("flow-run").object_id("prefect.flow-run") for e in events}
    uow = FakeUow(*flow_run_ids)
    await TaskRunRecorder().record(uow, events)
    runs = {r.name: r for r in uow.task_runs.rows.values()}
    assert len(runs) == 4
    flaky = runs["flaky-cc6"]
    assert flaky.state_name == "Completed" and flaky.run_count == 2 and flaky.end_time is not None
    assert flaky.empirical_policy.retries == 1
    assert [s.name for s in uow.task_runs.history[flaky.id]] == [
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "Completed",
    ]
    assert all(r.state_name == "Completed" for r in runs.values())


async def test_a_batch_writes_each_run_once() -> None:
    uow = FakeUow(FLOW_RUN)
    ids = [uuid4() for _ in range(3)]
    events = [
        e
        for n, run_id in enumerate(ids)
        for e in lifecycle(run_id, "Pending", "Running", "Completed", dynamic_key=str(n))
    ]
    await TaskRunRecorder().record(uow, events)
    assert uow.task_runs.updates == 3
    assert all(uow.task_runs.rows[i].state_name == "Completed" for i in ids)


async def test_newer_fields_win_within_a_batch() -> None:
    uow = FakeUow(FLOW_RUN)
    run_id = uuid4()
    pending = lifecycle(run_id, "Pending")[0]
    done = ev(
        task_run_event(
            run_id,
            "Completed",
            flow_run_id=FLOW_RUN,
            occurred=at(5),
            run_count=1,
            extra_run={"tags": ["late"], "end_time": timeutil.isoformat(at(5))},
        )
    )
    await TaskRunRecorder().record(uow, [done, pending])  # arrival order reversed
    run = uow.task_runs.rows[run_id]
    assert run.state_name == "Completed" and run.tags == ["late"] and run.end_time == at(5)
