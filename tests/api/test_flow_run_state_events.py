"""The server's `prefect.flow-run.<State>` events name what the run belongs to, as the
reference's do: its flow, deployment, work queue and pool, parent task run, and tags."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import pytest

from prefect_core import timeutil
from prefect_http.keys import SERVICES

pytestmark = pytest.mark.timeout(60)


async def _post(client, path: str, body: dict, status: int | tuple[int, ...] = 201) -> dict:
    resp = await client.post(path, json=body)
    assert resp.status in (status if isinstance(status, tuple) else (status,)), await resp.text()
    return await resp.json()


async def _set(client, run: dict, type_: str) -> dict:
    answer = await _post(client, f"/api/flow_runs/{run['id']}/set_state", {"state": {"type": type_}})
    assert answer["status"] == "ACCEPT", answer
    return answer


async def _events_of(client, run: dict) -> list[dict]:
    await client.app[SERVICES].events.flush()
    page = await _post(
        client,
        "/api/events/filter",
        {"filter": {"order": "ASC", "resource": {"id": [f"prefect.flow-run.{run['id']}"]}}},
        status=(200, 201),
    )
    return page["events"]


async def _pool_deployment(client, pool: str = "tp", pool_type: str = "process") -> tuple[dict, dict, dict]:
    pool_body = await _post(client, "/api/work_pools/", {"name": pool, "type": pool_type})
    flow = await _post(client, "/api/flows/", {"name": "etl", "tags": ["flow-tag"]}, status=(200, 201))
    dep = await _post(
        client,
        "/api/deployments/",
        {"name": f"nightly-{pool}", "flow_id": flow["id"], "work_pool_name": pool, "tags": ["dep-tag"]},
    )
    return pool_body, flow, dep


async def test_a_deployment_run_names_its_flow_deployment_queue_and_pool(client) -> None:
    pool, flow, dep = await _pool_deployment(client)
    run = await _post(client, f"/api/deployments/{dep['id']}/create_flow_run", {"tags": ["run-tag"]})
    pending = await _set(client, run, "PENDING")

    # The run's creation in SCHEDULED is announced first, as the reference does.
    scheduled, event = await _events_of(client, run)
    assert scheduled["event"] == "prefect.flow-run.Scheduled" and scheduled["id"] == run["state"]["id"]
    assert scheduled["payload"]["intended"] == {"from": None, "to": "SCHEDULED"}
    assert scheduled["payload"]["initial_state"] is None and scheduled["follows"] is None
    assert scheduled["related"] == event["related"]
    assert event["event"] == "prefect.flow-run.Pending" and event["id"] == pending["state"]["id"]
    related = event["related"]
    assert related[:4] == [
        {
            "prefect.resource.id": f"prefect.flow.{flow['id']}",
            "prefect.resource.role": "flow",
            "prefect.resource.name": "etl",
        },
        {
            "prefect.resource.id": f"prefect.deployment.{dep['id']}",
            "prefect.resource.role": "deployment",
            "prefect.resource.name": "nightly-tp",
        },
        {
            "prefect.resource.id": f"prefect.work-queue.{pool['default_queue_id']}",
            "prefect.resource.role": "work-queue",
            "prefect.resource.name": "default",
        },
        {
            "prefect.resource.id": f"prefect.work-pool.{pool['id']}",
            "prefect.resource.role": "work-pool",
            "prefect.resource.name": "tp",
            "prefect.work-pool.type": "process",
        },
    ]
    tags = [r["prefect.resource.id"] for r in related[4:] if r["prefect.resource.role"] == "tag"]
    assert tags == ["prefect.tag.dep-tag", "prefect.tag.flow-tag", "prefect.tag.run-tag"]
    assert event["payload"] == {
        "intended": {"from": "SCHEDULED", "to": "PENDING"},
        "initial_state": {"type": "SCHEDULED", "name": "Scheduled"},
        "validated_state": {"type": "PENDING", "name": "Pending"},
    }


async def test_a_plain_run_names_only_its_flow_and_tags(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "solo"}, status=(200, 201))
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"], "tags": ["b", "a"]})
    await _set(client, run, "RUNNING")
    _created, event = await _events_of(client, run)
    assert event["related"] == [
        {
            "prefect.resource.id": f"prefect.flow.{flow['id']}",
            "prefect.resource.role": "flow",
            "prefect.resource.name": "solo",
        },
        {"prefect.resource.id": "prefect.tag.a", "prefect.resource.role": "tag"},
        {"prefect.resource.id": "prefect.tag.b", "prefect.resource.role": "tag"},
    ]


async def test_a_subflow_names_its_parent_task_run(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "parent"}, status=(200, 201))
    parent = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"]})
    task = await _post(
        client,
        "/api/task_runs/",
        {"flow_run_id": parent["id"], "task_key": "child", "dynamic_key": "0", "name": "child-0", "tags": ["t"]},
    )
    child = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"], "parent_task_run_id": task["id"]})
    await _set(client, child, "RUNNING")
    _created, event = await _events_of(client, child)
    assert {
        "prefect.resource.id": f"prefect.task-run.{task['id']}",
        "prefect.resource.role": "task-run",
        "prefect.resource.name": "child-0",
    } in event["related"]
    assert {"prefect.resource.id": "prefect.tag.t", "prefect.resource.role": "tag"} in event["related"]


async def test_a_paused_state_payload_says_whether_it_reschedules(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "p"}, status=(200, 201))
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"]})
    await _set(client, run, "RUNNING")
    await _set(client, run, "PAUSED")
    events = await _events_of(client, run)
    assert events[-1]["payload"]["validated_state"] == {"type": "PAUSED", "name": "Paused", "pause_reschedule": "false"}


async def test_a_workers_cancellation_subscription_receives_cancelling_runs_of_its_pool(client) -> None:
    pool, _, dep = await _pool_deployment(client)
    _, _, other_dep = await _pool_deployment(client, "elsewhere")
    ours = await _post(client, f"/api/deployments/{dep['id']}/create_flow_run", {})
    theirs = await _post(client, f"/api/deployments/{other_dep['id']}/create_flow_run", {})
    for run in (ours, theirs):
        await _set(client, run, "PENDING")
        await _set(client, run, "RUNNING")

    broker = client.app[SERVICES].event_service.broker
    ws = await client.ws_connect("/api/events/out", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    assert await ws.receive_json(timeout=5) == {"type": "auth_success"}
    # What a 3.8.8 worker's FlowRunCancellingObserver subscribes with (its
    # PrefectEventSubscriber sets `occurred` to a minute back and a year ahead).
    now = timeutil.now()
    await ws.send_json(
        {
            "type": "filter",
            "filter": {
                "event": {"name": ["prefect.flow-run.Cancelling"]},
                "any_resource": {"id": [f"prefect.work-pool.{pool['id']}"]},
                "occurred": {
                    "since": timeutil.isoformat(now - dt.timedelta(minutes=1)),
                    "until": timeutil.isoformat(now + dt.timedelta(days=365)),
                },
            },
        }
    )
    deadline = asyncio.get_running_loop().time() + 5
    while broker.subscriber_count < 1:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)

    await _set(client, theirs, "CANCELLING")
    cancelling = await _set(client, ours, "CANCELLING")
    message = await ws.receive_json(timeout=5)
    assert message["type"] == "event"
    event = message["event"]
    assert event["id"] == cancelling["state"]["id"]
    assert event["event"] == "prefect.flow-run.Cancelling"
    assert event["resource"]["prefect.resource.id"] == f"prefect.flow-run.{ours['id']}"
    with pytest.raises(asyncio.TimeoutError):
        await ws.receive_json(timeout=0.5)
    await ws.close()
    assert (await ws.receive()).type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSE)
