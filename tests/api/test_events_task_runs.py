"""Task runs built from the client's task-run events, read back through REST."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from prefect_core import timeutil
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_http.keys import SERVICES, STORAGE
from tests.unit.event_builders import task_run_event, traced_events

pytestmark = pytest.mark.timeout(60)

T0 = timeutil.now() - dt.timedelta(minutes=2)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def _flow_run(client) -> str:
    flow = await (await client.post("/api/flows/", json={"name": "a-parent"})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    return run["id"]


async def _send(client, events: list[dict]) -> None:
    """Send over /events/in like the client, then wait until everything is written."""
    ws = await client.ws_connect("/api/events/in", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    assert (await ws.receive_json(timeout=5))["type"] == "auth_success"
    for event in events:
        await ws.send_json(event)
    await ws.close()  # the server has read every frame once the close handshake is done
    await asyncio.sleep(0.05)
    await client.app[SERVICES].events.flush()


async def _get(client, url: str, **params):
    resp = await client.get(url, params=params)
    assert resp.status == 200, await resp.text()
    return await resp.json()


def lifecycle(run_id, flow_run_id, *, name="square-0", dynamic_key="0", start=0.0) -> list[dict]:
    started, ended = at(start + 1), at(start + 2)
    common = dict(flow_run_id=uuid.UUID(flow_run_id), name=name, dynamic_key=dynamic_key, expected_start=at(start))
    return [
        task_run_event(run_id, "Pending", occurred=at(start), **common),
        task_run_event(
            run_id,
            "Running",
            occurred=started,
            run_count=1,
            **common,
            extra_run={"start_time": timeutil.isoformat(started), "tags": ["db"]},
        ),
        task_run_event(
            run_id,
            "Completed",
            occurred=ended,
            run_count=1,
            **common,
            state_details={"untrackable_result": True},
            extra_run={
                "start_time": timeutil.isoformat(started),
                "end_time": timeutil.isoformat(ended),
                "total_run_time": 1.0,
                "tags": ["db"],
                "task_inputs": {"x": [{"input_type": "parameter", "name": "n"}]},
            },
        ),
    ]


async def test_task_run_events_become_task_runs_with_their_history(client) -> None:
    flow_run_id = await _flow_run(client)
    first, second = uuid.uuid4(), uuid.uuid4()
    events = lifecycle(first, flow_run_id) + lifecycle(second, flow_run_id, name="square-1", dynamic_key="1", start=5)
    await _send(client, events)

    run = await _get(client, f"/api/task_runs/{first}")
    assert run["name"] == "square-0" and run["task_key"] == "square-6720812a" and run["dynamic_key"] == "0"
    assert run["flow_run_id"] == flow_run_id and run["run_count"] == 1 and run["flow_run_run_count"] == 1
    assert run["state_type"] == "COMPLETED" and run["state_name"] == "Completed"
    assert run["state"]["id"] == events[2]["id"] and run["state_id"] == events[2]["id"]
    assert run["state"]["timestamp"] == events[2]["occurred"]
    assert run["state"]["state_details"]["task_run_id"] == str(first)
    assert run["state"]["state_details"]["flow_run_id"] == flow_run_id
    assert run["start_time"] == timeutil.isoformat(at(1)) and run["end_time"] == timeutil.isoformat(at(2))
    assert run["total_run_time"] == 1.0 and run["tags"] == ["db"]
    assert run["expected_start_time"] == timeutil.isoformat(at(0))
    assert run["task_inputs"] == {"x": [{"input_type": "parameter", "name": "n"}]}
    assert run["empirical_policy"]["retries"] == 0

    states = await _get(client, "/api/task_run_states/", task_run_id=str(first))
    assert [s["name"] for s in states] == ["Pending", "Running", "Completed"]
    assert [s["id"] for s in states] == [e["id"] for e in events[:3]]

    listed = await (
        await client.post(
            "/api/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}, "sort": "NAME_ASC"}
        )
    ).json()
    assert [r["name"] for r in listed] == ["square-0", "square-1"]
    assert all(r["state_type"] == "COMPLETED" for r in listed)


async def test_late_and_repeated_events_do_not_roll_a_run_back(client) -> None:
    flow_run_id = await _flow_run(client)
    run_id = uuid.uuid4()
    pending, running, completed = lifecycle(run_id, flow_run_id)
    await _send(client, [completed])
    await _send(client, [running, pending, completed])
    run = await _get(client, f"/api/task_runs/{run_id}")
    assert run["state_name"] == "Completed" and run["end_time"] is not None
    states = await _get(client, "/api/task_run_states/", task_run_id=str(run_id))
    assert [s["name"] for s in states] == ["Pending", "Running", "Completed"]


async def test_a_background_task_created_over_rest_is_driven_by_events(client) -> None:
    created = await (
        await client.post(
            "/api/task_runs/",
            json={
                "name": "d_task",
                "task_key": "d_task-2a1cd0f8",
                "dynamic_key": "d-1",
                "state": {"type": "SCHEDULED", "state_details": {"deferred": True}},
            },
        )
    ).json()
    run_id = uuid.UUID(created["id"])
    now = timeutil.now()
    common = dict(name="d_task", task_key="d_task-2a1cd0f8", dynamic_key="d-1")
    events = [
        task_run_event(run_id, "Pending", occurred=now + dt.timedelta(milliseconds=10), **common),
        task_run_event(run_id, "Running", occurred=now + dt.timedelta(milliseconds=20), run_count=1, **common),
        task_run_event(run_id, "Completed", occurred=now + dt.timedelta(milliseconds=30), run_count=1, **common),
    ]
    await _send(client, events)
    run = await _get(client, f"/api/task_runs/{run_id}")
    assert run["state_type"] == "COMPLETED" and run["flow_run_id"] is None and run["run_count"] == 1
    states = await _get(client, "/api/task_run_states/", task_run_id=str(run_id))
    assert [s["type"] for s in states] == ["SCHEDULED", "PENDING", "RUNNING", "COMPLETED"]


async def test_a_subscriber_told_of_completion_reads_a_completed_run(client) -> None:
    """What `future.result()` of a background task relies on."""
    flow_run_id = await _flow_run(client)
    run_id = uuid.uuid4()
    out = await client.ws_connect("/api/events/out", protocols=("prefect",))
    await out.send_json({"type": "auth", "token": None})
    await out.receive_json(timeout=5)
    await out.send_json(
        {
            "type": "filter",
            "filter": {
                "event": {"name": ["prefect.task-run.Completed"]},
                "occurred": {
                    "since": timeutil.isoformat(T0 - dt.timedelta(minutes=1)),
                    "until": timeutil.isoformat(timeutil.now() + dt.timedelta(days=1)),
                },
            },
        }
    )
    await asyncio.sleep(0.05)
    events = lifecycle(run_id, flow_run_id)
    ws = await client.ws_connect("/api/events/in", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    await ws.receive_json(timeout=5)
    for e in events:
        await ws.send_json(e)
    message = await out.receive_json(timeout=5)
    assert message["event"]["id"] == events[-1]["id"]
    run = await _get(client, f"/api/task_runs/{run_id}")
    assert run["state_type"] == "COMPLETED"
    await ws.close()
    await out.close()


async def test_the_traced_scenario_a_task_runs(client) -> None:
    events = traced_events("a")
    first = events[0]
    flow_run_id = uuid.UUID(first["related"][0]["prefect.resource.id"].removeprefix("prefect.flow-run."))
    flow_id = uuid.UUID(first["related"][1]["prefect.resource.id"].removeprefix("prefect.flow."))
    async with client.app[STORAGE].write() as uow:
        await uow.flows.get_or_create(Flow(id=flow_id, name="a-parent"))
        await uow.flow_runs.insert(FlowRun(id=flow_run_id, flow_id=flow_id, name="casual-skink"))
    await _send(client, events)

    runs = await (await client.post("/api/task_runs/filter", json={"sort": "NAME_ASC"})).json()
    assert [r["name"] for r in runs] == ["flaky-cc6", "square-8d3", "square-cc2", runs[3]["name"]]
    assert all(r["state_type"] == "COMPLETED" and r["flow_run_id"] == str(flow_run_id) for r in runs)
    flaky = runs[0]
    assert flaky["run_count"] == 2 and flaky["empirical_policy"]["retries"] == 1
    assert flaky["total_run_time"] == pytest.approx(0.006576)
    states = await _get(client, "/api/task_run_states/", task_run_id=flaky["id"])
    assert [s["name"] for s in states] == ["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]
    assert states[2]["state_details"]["scheduled_time"] == "2026-11-22T21:46:26.394522Z"


async def test_the_servers_own_flow_run_state_events_are_stored(client) -> None:
    flow_run_id = await _flow_run(client)
    resp = await client.post(f"/api/flow_runs/{flow_run_id}/set_state", json={"state": {"type": "RUNNING"}})
    state_id = (await resp.json())["state"]["id"]
    await client.app[SERVICES].events.flush()
    page = await (
        await client.post(
            "/api/events/filter", json={"filter": {"order": "ASC", "event": {"prefix": ["prefect.flow-run."]}}}
        )
    ).json()
    # Creating the run in its first state is announced too, as the reference does.
    assert [e["event"] for e in page["events"]] == ["prefect.flow-run.Pending", "prefect.flow-run.Running"]
    event = page["events"][1]
    assert event["id"] == state_id and event["resource"]["prefect.resource.id"] == f"prefect.flow-run.{flow_run_id}"
    assert {r["prefect.resource.role"] for r in event["related"]} >= {"flow"}
