"""Bad input to the deployment and work-pool endpoints: the reference's status, and its body
(the 422 locations and error types, the 404 details), never a 500."""

from __future__ import annotations

import uuid

import pytest


async def _flow(client) -> str:
    return (await (await client.post("/api/flows/", json={"name": "f"})).json())["id"]


_INTERVAL = "function-after[validate_timezone(), IntervalSchedule]"
_CRON = "function-after[validate_timezone(), CronSchedule]"
_RRULE = "RRuleSchedule"


@pytest.mark.parametrize(
    "schedule, kind, field, error",
    [
        ({"cron": "61 * * * *"}, _CRON, "cron", "value_error"),
        ({"cron": "* * * * *", "timezone": "Not/AZone"}, _CRON, "timezone", "value_error"),
        ({"cron": "R * * * *"}, _CRON, "cron", "value_error"),
        ({"rrule": "FREQ=NEVER"}, _RRULE, "rrule", "value_error"),
        ({"rrule": "x" * 7000}, _RRULE, "rrule", "value_error"),
        ({"interval": -5}, _INTERVAL, "interval", "value_error"),
        ({"interval": "soon"}, _INTERVAL, "interval", "time_delta_parsing"),
        ({"something": "else"}, _INTERVAL, "interval", "missing"),
    ],
)
async def test_invalid_schedules_are_422(client, schedule, kind: str, field: str, error: str) -> None:
    """The reference tries each kind of schedule in turn and reports every kind's errors;
    the one for the kind the schedule meant to be is among them."""
    resp = await client.post(
        "/api/deployments/", json={"name": "d", "flow_id": await _flow(client), "schedules": [{"schedule": schedule}]}
    )
    assert resp.status == 422
    answer = await resp.json()
    assert answer["exception_message"] == "Invalid request received."
    found = {(tuple(item["loc"]), item["type"]) for item in answer["exception_detail"]}
    assert (("body", "schedules", 0, "schedule", kind, field), error) in found, found
    assert {loc[4] for loc, _ in found} <= {_INTERVAL, _CRON, _RRULE}


async def test_unknown_objects_are_404(client) -> None:
    flow_id = await _flow(client)
    missing = str(uuid.uuid4())
    no_pool = {"detail": 'Work pool "nope" not found.'}
    cases = [
        ("POST", "/api/deployments/", {"name": "d", "flow_id": flow_id, "work_pool_name": "nope"}, no_pool),
        ("POST", f"/api/deployments/{missing}/create_flow_run", {}, {"detail": "Deployment not found"}),
        (
            "POST",
            f"/api/deployments/{missing}/schedules",
            [{"schedule": {"interval": 60}}],
            {"detail": "Deployment not found."},
        ),
        (
            "PATCH",
            f"/api/deployments/{missing}/schedules/{missing}",
            {"active": False},
            {"detail": "Deployment not found."},
        ),
        ("DELETE", f"/api/deployments/{missing}/schedules/{missing}", None, {"detail": "Deployment not found."}),
        ("POST", f"/api/deployments/{missing}/pause_deployment", None, {"detail": "Deployment not found"}),
        ("POST", "/api/flow_runs/", {"flow_id": flow_id, "work_pool_name": "nope"}, no_pool),
        ("POST", "/api/work_pools/nope/get_scheduled_flow_runs", {}, no_pool),
        ("POST", "/api/work_pools/nope/queues", {"name": "q"}, no_pool),
        ("GET", "/api/work_pools/nope/queues/q", None, {"detail": "Work pool queue 'nope/q' not found."}),
        ("PATCH", "/api/work_pools/nope/queues/q", {"description": "x"}, no_pool),
        ("DELETE", "/api/work_pools/nope/workers/w", None, no_pool),
        ("PATCH", f"/api/work_queues/{missing}", {"description": "x"}, {"detail": f"Work Queue {missing} not found"}),
        (
            "GET",
            f"/api/work_queues/{missing}/status",
            None,
            {"exception_message": f"Work queue with id {missing} not found"},
        ),
    ]
    for method, path, body, expected in cases:
        resp = await client.request(method, path, json=body)
        assert (resp.status, await resp.json()) == (404, expected), (method, path)


async def test_scheduling_an_unknown_deployment_schedules_nothing(client) -> None:
    resp = await client.post(f"/api/deployments/{uuid.uuid4()}/schedule", json={})
    assert (resp.status, await resp.json()) == (200, None)
    assert await (await client.post("/api/flow_runs/count", json={})).json() == 0


async def _invalid(resp) -> list[tuple[list, str]]:
    assert resp.status == 422, await resp.text()
    answer = await resp.json()
    assert answer["exception_message"] == "Invalid request received." and "request_body" in answer
    return [(item["loc"], item["type"]) for item in answer["exception_detail"]]


def _conflict(answer: dict) -> bool:
    # The reference says "Data integrity conflict..." for any violated constraint; we say which.
    return set(answer) == {"detail"} and isinstance(answer["detail"], str) and bool(answer["detail"])


async def test_conflicts_and_bad_requests(client) -> None:
    flow_id = await _flow(client)
    dup_slugs = [{"schedule": {"interval": 60}, "slug": "a"}, {"schedule": {"interval": 120}, "slug": "a"}]
    resp = await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id, "schedules": dup_slugs})
    assert resp.status == 409 and _conflict(await resp.json())
    dep = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id})).json()
    no_pool = await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json={"work_queue_name": "q"})
    assert (no_pool.status, await no_pool.json()) == (
        400,
        {
            "detail": f"Cannot create flow run in work queue q because deployment {dep['id']} is not associated "
            "with a work pool. Please remove work_pool_name and try again."
        },
    )
    await client.post("/api/work_pools/", json={"name": "p", "type": "process"})
    await client.post("/api/work_pools/p/queues", json={"name": "q"})
    rename = await client.patch("/api/work_pools/p/queues/q", json={"name": "default"})
    assert rename.status == 409 and _conflict(await rename.json())
    bad_priority = await client.patch("/api/work_pools/p/queues/q", json={"priority": 0})
    assert await _invalid(bad_priority) == [(["body", "priority"], "greater_than")]
    bad_name = await client.post("/api/work_pools/", json={"name": "a/b"})
    assert await _invalid(bad_name) == [(["body", "name"], "string_pattern_mismatch")]
    empty_name = await client.post("/api/work_pools/", json={"name": ""})
    assert await _invalid(empty_name) == [(["body", "name"], "value_error")]
    bad_queue = await client.post("/api/work_pools/p/queues", json={"name": "", "priority": 0})
    assert await _invalid(bad_queue) == [
        (["body", "name"], "string_pattern_mismatch"),
        (["body", "priority"], "greater_than"),
    ]
    not_uuid = await client.post("/api/deployments/get_scheduled_flow_runs", json={"deployment_ids": ["nope"]})
    assert await _invalid(not_uuid) == [(["body", "deployment_ids", 0], "uuid_parsing")]
    missing_body = await client.post("/api/deployments/get_scheduled_flow_runs", json={})
    assert (await missing_body.json())["exception_detail"] == [
        {"type": "missing", "loc": ["body", "deployment_ids"], "msg": "Field required", "input": None}
    ]
