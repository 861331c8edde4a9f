"""Scenario a of the reference traffic: one flow with mapped tasks, a task that retries,
a subflow, and logs from flow and tasks, run once by the real client; each test checks
one part of what the server must then hold (as the reference server holds it).

Task runs inside a flow reach the server only as `prefect.task-run.*` events over
`/api/events/in`; the subflow's placeholder task run is the one created over REST.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.support import Api, ClientRunner, eventually, names, types

pytestmark = pytest.mark.conformance

SCRIPT = """
from prefect import flow, task, get_run_logger

ATTEMPTS = {"flaky": 0}

@task
def square(x):
    get_run_logger().info("square of %s", x)
    return x * x

@task(retries=1, retry_delay_seconds=1)
def flaky():
    ATTEMPTS["flaky"] += 1
    get_run_logger().info("flaky attempt %s", ATTEMPTS["flaky"])
    if ATTEMPTS["flaky"] == 1:
        raise RuntimeError("flaky fails on its first attempt")
    return 1

@flow(name=f"a-child-{SUFFIX}")
def child(x):
    get_run_logger().info("child got %s", x)
    return x * 2

@flow(name=f"a-parent-{SUFFIX}")
def parent():
    get_run_logger().info("parent starts")
    squares = [future.result() for future in square.map([1, 2, 3])]
    return sum(squares) + flaky() + child(7)

state = parent(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, result=state.result(), suffix=SUFFIX)
"""


@pytest.fixture(scope="module")
def run(prefect: ClientRunner) -> dict[str, Any]:
    return prefect.run(SCRIPT).result


@pytest.fixture(scope="module")
def task_runs(run: dict[str, Any], api: Api) -> list[dict[str, Any]]:
    """The parent's task runs once all 5 (3 mapped, flaky, subflow placeholder) are final."""
    return api.settled_task_runs(run["flow_run_id"], 5)


def by_task(task_runs: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Task runs named `<prefix>-...` (the client names them `<task name>-<key>`)."""
    return [tr for tr in task_runs if tr["name"].startswith(f"{prefix}-")]


def test_client_sees_the_flow_complete(run: dict[str, Any]) -> None:
    assert run["state"] == "COMPLETED" and run["result"] == 1 + 4 + 9 + 1 + 14


def test_parent_flow_run_completed_once(run: dict[str, Any], api: Api) -> None:
    flow_run = api.flow_run(run["flow_run_id"])
    assert flow_run["state_type"] == "COMPLETED" and flow_run["state_name"] == "Completed"
    assert flow_run["run_count"] == 1
    assert flow_run["parent_task_run_id"] is None
    assert flow_run["start_time"] and flow_run["end_time"]
    assert api.flow(flow_run["flow_id"])["name"].startswith("a-parent-")
    assert types(api.flow_run_states(run["flow_run_id"])) == ["PENDING", "RUNNING", "COMPLETED"]


def test_task_runs_are_recorded_from_events(run: dict[str, Any], task_runs: list[dict[str, Any]]) -> None:
    assert len(task_runs) == 5, [tr["name"] for tr in task_runs]
    assert {tr["flow_run_id"] for tr in task_runs} == {run["flow_run_id"]}
    assert len(by_task(task_runs, "square")) == 3
    assert len(by_task(task_runs, "flaky")) == 1
    assert len(by_task(task_runs, "a-child")) == 1


def test_mapped_task_runs(task_runs: list[dict[str, Any]], api: Api) -> None:
    squares = by_task(task_runs, "square")
    assert len(squares) == 3
    assert len({tr["task_key"] for tr in squares}) == 1
    dynamic_keys = {tr["dynamic_key"] for tr in squares}
    assert len(dynamic_keys) == 3 and all(dynamic_keys), dynamic_keys
    for tr in squares:
        assert (tr["state_type"], tr["state_name"], tr["run_count"]) == ("COMPLETED", "Completed", 1)
        assert tr["start_time"] and tr["end_time"]
        assert tr["state"]["state_details"]["task_run_id"] == tr["id"]
        assert tr["task_inputs"] == {"x": []}
        states = api.settled_task_run_states(tr["id"], "Completed")
        assert names(states) == ["Pending", "Running", "Completed"]
        assert {s["state_details"]["task_run_id"] for s in states} == {tr["id"]}


def test_task_retry_history(task_runs: list[dict[str, Any]], api: Api) -> None:
    (flaky,) = by_task(task_runs, "flaky")
    assert (flaky["state_type"], flaky["state_name"]) == ("COMPLETED", "Completed")
    assert flaky["run_count"] == 2
    assert flaky["empirical_policy"]["retries"] == 1
    states = api.settled_task_run_states(flaky["id"], "Completed")
    assert [(s["type"], s["name"]) for s in states] == [
        ("PENDING", "Pending"),
        ("RUNNING", "Running"),
        ("SCHEDULED", "AwaitingRetry"),
        ("RUNNING", "Retrying"),
        ("COMPLETED", "Completed"),
    ]
    assert states[2]["state_details"]["scheduled_time"]


def test_subflow_links_to_its_parent_task_run(run: dict[str, Any], task_runs: list[dict[str, Any]], api: Api) -> None:
    (placeholder,) = by_task(task_runs, "a-child")
    assert placeholder["dynamic_key"] == "0"
    children = api.post("/flow_runs/filter", {"flow_runs": {"parent_task_run_id": {"any_": [placeholder["id"]]}}})
    assert len(children) == 1
    child = children[0]
    assert api.flow(child["flow_id"])["name"].startswith("a-child-")
    assert (child["state_type"], child["run_count"]) == ("COMPLETED", 1)
    assert types(api.flow_run_states(child["id"])) == ["PENDING", "RUNNING", "COMPLETED"]
    # The server mirrors the subflow's states onto the placeholder task run.
    assert (placeholder["state_type"], placeholder["run_count"]) == ("COMPLETED", 1)
    assert placeholder["state"]["state_details"]["child_flow_run_id"] == child["id"]
    states = api.settled_task_run_states(placeholder["id"], "Completed")
    assert types(states) == ["PENDING", "PENDING", "RUNNING", "COMPLETED"]
    assert [s["state_details"]["child_flow_run_id"] for s in states][1:] == [child["id"]] * 3


def test_logs_from_flow_and_tasks(run: dict[str, Any], task_runs: list[dict[str, Any]], api: Api) -> None:
    flow_run_id = run["flow_run_id"]
    logs = eventually(
        lambda: api.logs(flow_run_id),
        lambda ls: any(l["message"].startswith("Finished in state") and l["task_run_id"] is None for l in ls),
    )
    assert {l["flow_run_id"] for l in logs} == {flow_run_id}
    by_message = {l["message"]: l for l in logs}
    assert by_message["parent starts"]["task_run_id"] is None
    assert by_message["parent starts"]["name"] == "prefect.flow_runs"
    assert by_message["parent starts"]["level"] == 20
    square_ids = {tr["id"] for tr in by_task(task_runs, "square")}
    assert {by_message[f"square of {x}"]["task_run_id"] for x in (1, 2, 3)} == square_ids
    assert by_message["square of 1"]["name"] == "prefect.task_runs"
    (flaky,) = by_task(task_runs, "flaky")
    assert {by_message[f"flaky attempt {n}"]["task_run_id"] for n in (1, 2)} == {flaky["id"]}
    assert any(l["message"].startswith("Beginning flow run") for l in logs)


def test_subflow_logs_carry_the_subflow_run_id(run: dict[str, Any], api: Api) -> None:
    (child,) = api.flow_runs_of_flow(f"a-child-{run['suffix']}")
    child_id = child["id"]
    logs = eventually(lambda: api.logs(child_id), lambda ls: any(l["message"] == "child got 7" for l in ls))
    assert "child got 7" in [l["message"] for l in logs]
    assert {l["flow_run_id"] for l in logs} == {child_id}
