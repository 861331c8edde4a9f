"""Bad input to the deployment and work-pool endpoints: clear 4xx answers, never a 500."""

from __future__ import annotations

import uuid

import pytest


async def _flow(client) -> str:
    return (await (await client.post("/api/flows/", json={"name": "f"})).json())["id"]


@pytest.mark.parametrize(
    "schedule",
    [
        {"cron": "61 * * * *"},
        {"cron": "* * * * *", "timezone": "Not/AZone"},
        {"cron": "R * * * *"},
        {"rrule": "FREQ=NEVER"},
        {"rrule": "x" * 7000},
        {"interval": -5},
        {"interval": "soon"},
        {"something": "else"},
    ],
)
async def test_invalid_schedules_are_422(client, schedule) -> None:
    resp = await client.post("/api/deployments/", json={"name": "d", "flow_id": await _flow(client), "schedules": [{"schedule": schedule}]})
    assert resp.status == 422
    assert (await resp.json())["exception_message"] == "Invalid request received."


async def test_unknown_objects_are_404(client) -> None:
    flow_id = await _flow(client)
    missing = str(uuid.uuid4())
    cases = [
        ("POST", "/api/deployments/", {"name": "d", "flow_id": flow_id, "work_pool_name": "nope"}),
        ("POST", f"/api/deployments/{missing}/create_flow_run", {}),
        ("POST", f"/api/deployments/{missing}/schedules", [{"schedule": {"interval": 60}}]),
        ("PATCH", f"/api/deployments/{missing}/schedules/{missing}", {"active": False}),
        ("DELETE", f"/api/deployments/{missing}/schedules/{missing}", None),
        ("POST", f"/api/deployments/{missing}/pause_deployment", None),
        ("POST", f"/api/deployments/{missing}/schedule", {}),
        ("POST", "/api/flow_runs/", {"flow_id": flow_id, "work_pool_name": "nope"}),
        ("POST", "/api/work_pools/nope/get_scheduled_flow_runs", {}),
        ("POST", "/api/work_pools/nope/queues", {"name": "q"}),
        ("GET", "/api/work_pools/nope/queues/q", None),
        ("DELETE", "/api/work_pools/nope/workers/w", None),
        ("PATCH", f"/api/work_queues/{missing}", {"description": "x"}),
        ("GET", f"/api/work_queues/{missing}/status", None),
    ]
    for method, path, body in cases:
        resp = await client.request(method, path, json=body)
        assert resp.status == 404, (method, path, resp.status, await resp.text())
        assert "detail" in await resp.json()


async def test_conflicts_and_bad_requests(client) -> None:
    flow_id = await _flow(client)
    dup_slugs = [{"schedule": {"interval": 60}, "slug": "a"}, {"schedule": {"interval": 120}, "slug": "a"}]
    resp = await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id, "schedules": dup_slugs})
    assert resp.status == 409
    dep = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id})).json()
    no_pool = await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json={"work_queue_name": "q"})
    assert no_pool.status == 400
    await client.post("/api/work_pools/", json={"name": "p", "type": "process"})
    await client.post("/api/work_pools/p/queues", json={"name": "q"})
    rename = await client.patch("/api/work_pools/p/queues/q", json={"name": "default"})
    assert rename.status == 409
    bad_priority = await client.patch("/api/work_pools/p/queues/q", json={"priority": 0})
    assert bad_priority.status == 422
    bad_name = await client.post("/api/work_pools/", json={"name": "a/b"})
    assert bad_name.status == 422
    not_uuid = await client.post("/api/deployments/get_scheduled_flow_runs", json={"deployment_ids": ["nope"]})
    assert not_uuid.status == 422
    missing_body = await client.post("/api/deployments/get_scheduled_flow_runs", json={})
    assert missing_body.status == 422
