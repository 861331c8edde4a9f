"""The flow run graph and lateness, as pure functions (no I/O)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from prefect_core.errors import BadRequest
from prefect_core.ports import RunStart
from prefect_core.schemas.runs import FlowRun, TaskRun, TaskRunResult
from prefect_core.schemas.states import State, StateType
from prefect_core.services.flow_run_bulk import lateness_seconds
from prefect_core.services.flow_run_graph import build_graph, dependencies

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)


def _task(
    name: str,
    start: int | None,
    inputs: dict | None = None,
    state: StateType = StateType.RUNNING,
    end: int | None = None,
) -> TaskRun:
    return TaskRun(
        name=name,
        task_key=name,
        dynamic_key="0",
        flow_run_id=uuid.uuid4(),
        state_type=state,
        expected_start_time=T0 + dt.timedelta(seconds=start) if start is not None else None,
        end_time=T0 + dt.timedelta(seconds=end) if end is not None else None,
        task_inputs=inputs or {},
    )


def _uses(*tasks: TaskRun) -> list[TaskRunResult]:
    return [TaskRunResult(id=t.id) for t in tasks]


def test_edges_follow_inputs_and_are_ordered_by_start() -> None:
    a, b = _task("a", 2), _task("b", 1)
    c = _task("c", 3, {"x": _uses(a, b), "y": _uses(a), "__parents__": _uses(b)})
    unstarted = _task("u", None, {"x": _uses(a)})
    run = FlowRun(flow_id=uuid.uuid4(), expected_start_time=T0)
    graph = build_graph(run, [c, a, b, unstarted], [], {}, [], EARLIEST)
    nodes = dict(graph.nodes)
    assert [n.label for _, n in graph.nodes] == ["b", "a", "c"]  # by start; "u" has no start
    assert [e.id for e in nodes[c.id].parents] == [b.id, a.id]
    assert [e.id for e in nodes[c.id].encapsulating] == [b.id]
    assert [e.id for e in nodes[a.id].children] == [c.id]
    assert graph.root_node_ids == [b.id, a.id]
    assert graph.start_time == T0 and graph.end_time is None


def test_a_subflow_stands_in_for_its_task() -> None:
    wrapper = _task("w", 1)
    sub = FlowRun(
        flow_id=uuid.uuid4(),
        name="sub",
        parent_task_run_id=wrapper.id,
        state_type=StateType.COMPLETED,
        start_time=T0,
        end_time=T0 + dt.timedelta(seconds=5),
    )
    after = _task("after", 9, {"x": [{"input_type": "flow_run", "id": sub.id}]})
    graph = build_graph(FlowRun(flow_id=uuid.uuid4()), [wrapper, after], [sub], {sub.flow_id: "child"}, [], EARLIEST)
    nodes = dict(graph.nodes)
    assert set(nodes) == {sub.id, after.id}
    assert nodes[sub.id].kind == "flow-run" and nodes[sub.id].label == "child / sub"
    assert nodes[sub.id].state_type is StateType.COMPLETED
    assert [e.id for e in nodes[after.id].parents] == [sub.id]


def test_since_and_node_limit() -> None:
    done = _task("done", 0, state=StateType.COMPLETED, end=1)
    completed_unrun = _task("cached", 5, state=StateType.COMPLETED)  # ends when it was due
    running = _task("running", 2)
    run = FlowRun(flow_id=uuid.uuid4())
    graph = build_graph(run, [done, completed_unrun, running], [], {}, [], T0 + dt.timedelta(seconds=3))
    assert {n.label for _, n in graph.nodes} == {"cached", "running"}
    assert dict(graph.nodes)[completed_unrun.id].end_time == T0 + dt.timedelta(seconds=5)
    with pytest.raises(BadRequest, match="has more than 1 nodes"):
        build_graph(run, [done, running], [], {}, [], EARLIEST, max_nodes=1)


def test_states_are_listed() -> None:
    state = State(type=StateType.RUNNING, timestamp=T0)
    graph = build_graph(FlowRun(flow_id=uuid.uuid4()), [], [], {}, [state], EARLIEST)
    assert [(s.id, s.type, s.name) for s in graph.states] == [(state.id, StateType.RUNNING, "Running")]


def test_v1_lists_task_run_inputs_only_once() -> None:
    a = _task("a", 0)
    b = _task("b", 1, {"x": _uses(a), "y": [*_uses(a), {"input_type": "parameter", "name": "p"}]})
    deps = {d.name: d for d in dependencies([a, b])}
    assert deps["a"].upstream_dependencies == []
    assert [u.id for u in deps["b"].upstream_dependencies] == [a.id]


@pytest.mark.parametrize(
    ("expected", "started", "state", "late"),
    [
        (0, 30, StateType.RUNNING, 30.0),  # started late
        (0, -5, StateType.COMPLETED, 0.0),  # started early
        (0, None, StateType.SCHEDULED, 100.0),  # not started, due 100 s ago
        (0, None, StateType.CANCELLED, 0.0),  # finished without starting
        (0, None, None, 0.0),  # no state: as the reference's SQL, not counted
        (200, None, StateType.SCHEDULED, 0.0),  # not due yet
        (None, 5, StateType.RUNNING, 0.0),  # never expected
    ],
)
def test_lateness(expected, started, state, late) -> None:
    def at(s: int | None) -> dt.datetime | None:
        return None if s is None else T0 + dt.timedelta(seconds=s)

    assert lateness_seconds(RunStart(at(expected), at(started), state), T0 + dt.timedelta(seconds=100)) == late
