"""/deployments through the aiohttp test client."""

from __future__ import annotations

import uuid

from prefect_core import timeutil


async def _flow(client, name: str = "f") -> str:
    return (await (await client.post("/api/flows/", json={"name": name, "labels": {"team": "a"}})).json())["id"]


async def _deployment(client, flow_id: str, name: str = "d", **body) -> dict:
    resp = await client.post("/api/deployments/", json={"name": name, "flow_id": flow_id, **body})
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def test_create_is_an_upsert_on_flow_and_name(client) -> None:
    flow_id = await _flow(client)
    first = await client.post(
        "/api/deployments/", json={"name": "d", "flow_id": flow_id, "tags": ["x"], "parameters": {"a": 1}}
    )
    assert first.status == 201
    body = await first.json()
    assert body["status"] == "NOT_READY" and body["paused"] is False and body["schedules"] == []
    assert body["labels"] == {"team": "a", "prefect.flow.id": flow_id}
    again = await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id, "tags": ["y"]})
    assert again.status == 200
    updated = await again.json()
    assert updated["id"] == body["id"] and updated["tags"] == ["y"] and updated["parameters"] == {"a": 1}


async def test_read_by_id_and_name_and_404s(client) -> None:
    flow_id = await _flow(client, "my-flow")
    dep = await _deployment(client, flow_id, "my-dep")
    assert (await (await client.get(f"/api/deployments/{dep['id']}")).json())["name"] == "my-dep"
    by_name = await client.get("/api/deployments/name/my-flow/my-dep")
    assert (await by_name.json())["id"] == dep["id"]
    missing = await client.get("/api/deployments/name/my-flow/nope")
    assert missing.status == 404 and await missing.json() == {"detail": "Deployment not found"}
    assert (await client.get(f"/api/deployments/{uuid.uuid4()}")).status == 404
    unknown_flow = await client.post("/api/deployments/", json={"name": "x", "flow_id": str(uuid.uuid4())})
    assert unknown_flow.status == 409


async def test_filter_count_paginate_patch_delete(client) -> None:
    flow_id = await _flow(client)
    for name, tags in (("b", ["t"]), ("a", ["t"]), ("c", [])):
        await _deployment(client, flow_id, name, tags=tags)
    names = [d["name"] for d in await (await client.post("/api/deployments/filter", json={})).json()]
    assert names == ["a", "b", "c"]
    tagged = await (
        await client.post("/api/deployments/filter", json={"deployments": {"tags": {"all_": ["t"]}}})
    ).json()
    assert sorted(d["name"] for d in tagged) == ["a", "b"]
    assert await (await client.post("/api/deployments/count", json={})).json() == 3
    by_flow = await client.post("/api/deployments/count", json={"flows": {"name": {"any_": ["f"]}}})
    assert await by_flow.json() == 3
    page = await (await client.post("/api/deployments/paginate", json={"limit": 2, "page": 2})).json()
    assert page["count"] == 3 and page["pages"] == 2 and [d["name"] for d in page["results"]] == ["c"]
    dep = tagged[0]
    assert (
        await client.patch(f"/api/deployments/{dep['id']}", json={"paused": True, "description": "x"})
    ).status == 204
    read = await (await client.get(f"/api/deployments/{dep['id']}")).json()
    assert read["paused"] is True and read["description"] == "x"
    paused = await client.post("/api/deployments/count", json={"deployments": {"paused": {"eq_": True}}})
    assert await paused.json() == 1
    assert (await client.post(f"/api/deployments/{dep['id']}/resume_deployment")).status == 200
    assert (await (await client.get(f"/api/deployments/{dep['id']}")).json())["paused"] is False
    assert (await client.post(f"/api/deployments/{dep['id']}/pause_deployment")).status == 200
    assert (await client.delete(f"/api/deployments/{dep['id']}")).status == 204
    assert (await client.delete(f"/api/deployments/{dep['id']}")).status == 404
    patch_missing = await client.patch(f"/api/deployments/{uuid.uuid4()}", json={"paused": True})
    assert patch_missing.status == 404 and (await patch_missing.json())["detail"] == "Deployment not found."


async def test_create_flow_run_merges_deployment_values(client) -> None:
    flow_id = await _flow(client)
    dep = await _deployment(
        client, flow_id, parameters={"a": 1, "b": 2}, tags=["dep"], labels={"l": "d"}, job_variables={"x": 1}
    )
    resp = await client.post(
        f"/api/deployments/{dep['id']}/create_flow_run",
        json={"parameters": {"b": 3}, "tags": ["run"], "job_variables": {"env": {"A": "1"}}, "name": None},
    )
    assert resp.status == 201
    run = await resp.json()
    assert run["parameters"] == {"a": 1, "b": 3}
    assert run["tags"] == ["dep", "run"]
    assert run["state"]["type"] == "SCHEDULED" and run["state_type"] == "SCHEDULED"
    assert run["expected_start_time"] == run["next_scheduled_start_time"] is not None
    assert run["deployment_id"] == dep["id"] and run["name"]
    assert run["job_variables"] == {"env": {"A": "1"}}
    assert run["labels"]["prefect.deployment.id"] == dep["id"] and run["labels"]["l"] == "d"
    keyed = {"idempotency_key": "k1"}
    one = await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json=keyed)
    two = await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json=keyed)
    assert one.status == 201 and two.status == 200
    assert (await one.json())["id"] == (await two.json())["id"]
    pending = await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json={"state": {"type": "PENDING"}})
    assert (await pending.json())["state"]["type"] == "PENDING"
    missing = await client.post(f"/api/deployments/{uuid.uuid4()}/create_flow_run", json={})
    assert missing.status == 404


async def test_runner_poll_returns_due_runs_and_marks_ready(client) -> None:
    flow_id = await _flow(client)
    dep = await _deployment(client, flow_id)
    run = await (await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json={})).json()
    later = await client.post(
        f"/api/deployments/{dep['id']}/create_flow_run",
        json={"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": "2999-01-01T00:00:00Z"}}},
    )
    assert later.status == 201
    polled = await client.post(
        "/api/deployments/get_scheduled_flow_runs",
        json={"deployment_ids": [dep["id"]], "scheduled_before": "2100-01-01 00:00:00+00:00"},
    )
    assert [r["id"] for r in await polled.json()] == [run["id"]]
    after = await (await client.get(f"/api/deployments/{dep['id']}")).json()
    assert after["status"] == "READY" and after["last_polled"] is not None


async def test_schedules_crud_and_bad_schedules(client) -> None:
    flow_id = await _flow(client)
    dep = await _deployment(client, flow_id, schedules=[{"schedule": {"interval": 3600}}])
    assert len(dep["schedules"]) == 1 and dep["schedules"][0]["schedule"]["interval"] == 3600.0
    url = f"/api/deployments/{dep['id']}/schedules"
    created = await client.post(
        url, json=[{"schedule": {"cron": "0 9 * * *", "timezone": "Europe/Paris"}, "slug": "s"}]
    )
    assert created.status == 201
    sched = (await created.json())[0]
    assert sched["schedule"] == {"cron": "0 9 * * *", "timezone": "Europe/Paris", "day_or": True}
    listed = await (await client.get(url)).json()
    assert len(listed) == 2
    dup = await client.post(url, json=[{"schedule": {"cron": "0 9 * * *"}, "slug": "s"}])
    assert dup.status == 409
    assert (await client.patch(f"{url}/{sched['id']}", json={"active": False})).status == 204
    listed = {s["id"]: s for s in await (await client.get(url)).json()}
    assert listed[sched["id"]]["active"] is False
    assert (await client.delete(f"{url}/{sched['id']}")).status == 204
    assert (await client.delete(f"{url}/{sched['id']}")).status == 404
    bad_cron = await client.post(url, json=[{"schedule": {"cron": "not a cron"}}])
    assert bad_cron.status == 422
    bad_rrule = await client.post(url, json=[{"schedule": {"rrule": "FREQ=SOMETIMES"}}])
    assert bad_rrule.status == 422
    bad_tz = await client.post(url, json=[{"schedule": {"cron": "* * * * *", "timezone": "Mars/Base"}}])
    assert bad_tz.status == 422
    missing = await client.post(f"/api/deployments/{uuid.uuid4()}/schedules", json=[{"schedule": {"interval": 60}}])
    assert missing.status == 404
    assert (await client.get(f"/api/deployments/{uuid.uuid4()}/schedules")).status == 404


async def test_schedule_endpoint_creates_runs_idempotently(client) -> None:
    flow_id = await _flow(client)
    dep = await _deployment(
        client, flow_id, schedules=[{"schedule": {"interval": 60, "anchor_date": "2030-01-01T00:00:00Z"}}]
    )
    body = {"start_time": "2030-01-01T00:00:00Z", "min_runs": 5, "max_runs": 5, "min_time": 0}
    assert (await client.post(f"/api/deployments/{dep['id']}/schedule", json=body)).status == 200
    assert (await client.post(f"/api/deployments/{dep['id']}/schedule", json=body)).status == 200
    runs = await (
        await client.post(
            "/api/flow_runs/filter",
            json={"deployments": {"id": {"any_": [dep["id"]]}}, "sort": "EXPECTED_START_TIME_ASC"},
        )
    ).json()
    starts = [timeutil.parse(r["expected_start_time"]) for r in runs]
    assert starts == [timeutil.parse(f"2030-01-01T00:0{i}:00Z") for i in range(5)]
    assert all(r["auto_scheduled"] and r["tags"][0] == "auto-scheduled" for r in runs)
    assert runs[0]["created_by"]["type"] == "SCHEDULE"


async def test_automations_owned_by_answers_202(client) -> None:
    resp = await client.delete(f"/api/automations/owned-by/prefect.deployment.{uuid.uuid4()}")
    assert resp.status == 202 and await resp.json() is None


async def test_bulk_create_flow_runs(client) -> None:
    flow_id = await _flow(client)
    dep = await _deployment(client, flow_id, parameters={"a": 1})
    resp = await client.post(
        f"/api/deployments/{dep['id']}/create_flow_run/bulk",
        json=[{"parameters": {"a": 2}}, {"work_queue_name": "needs-a-pool"}, {}],
    )
    results = (await resp.json())["results"]
    assert [r["status"] for r in results] == ["CREATED", "FAILED", "CREATED"]
    run = await (await client.get(f"/api/flow_runs/{results[0]['flow_run_id']}")).json()
    assert run["parameters"] == {"a": 2}
    too_many = await client.post(f"/api/deployments/{dep['id']}/create_flow_run/bulk", json=[{}] * 101)
    assert too_many.status == 400
    missing = await client.post(f"/api/deployments/{uuid.uuid4()}/create_flow_run/bulk", json=[])
    assert missing.status == 404


async def test_bulk_delete(client) -> None:
    flow_id = await _flow(client)
    keep = await _deployment(client, flow_id, "keep")
    drop = await _deployment(client, flow_id, "drop", tags=["old"])
    resp = await client.post("/api/deployments/bulk_delete", json={"deployments": {"tags": {"all_": ["old"]}}})
    assert await resp.json() == {"deleted": [drop["id"]]}
    assert (await client.get(f"/api/deployments/{keep['id']}")).status == 200
    assert (await client.get(f"/api/deployments/{drop['id']}")).status == 404
