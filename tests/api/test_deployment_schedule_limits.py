"""`max_scheduled_runs` above PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS (50 unless
set) is refused with the reference's 422, wherever a schedule is written: a deployment's
create and update bodies, and the schedule endpoints."""

from __future__ import annotations

import pytest

from prefect_core.settings import Settings
from prefect_http.app import create_app

pytestmark = pytest.mark.timeout(60)

INTERVAL = {"interval": 3600}


def _schedule(max_runs: int | None, **more) -> dict:
    return {"schedule": INTERVAL, "max_scheduled_runs": max_runs, **more}


async def _refused(resp, loc: list, limit: int = 50) -> None:
    assert resp.status == 422, await resp.text()
    body = await resp.json()
    assert body["exception_message"] == "Invalid request received."
    [error] = body["exception_detail"]
    assert error["loc"] == loc
    assert error["type"] == "value_error"
    assert error["msg"] == f"Value error, `max_scheduled_runs` must be less than or equal to {limit}."


async def _flow(client) -> str:
    return (await (await client.post("/api/flows/", json={"name": "f"})).json())["id"]


async def test_a_deployment_body_asking_for_too_many_runs(client) -> None:
    flow_id = await _flow(client)
    body = {"name": "d", "flow_id": flow_id, "schedules": [_schedule(10), _schedule(51)]}
    await _refused(await client.post("/api/deployments/", json=body), ["body", "schedules", 1, "max_scheduled_runs"])
    assert await (await client.post("/api/deployments/filter", json={})).json() == []

    body["schedules"] = [_schedule(50)]
    made = await client.post("/api/deployments/", json=body)
    assert made.status == 201, await made.text()
    dep = await made.json()
    patch = {"schedules": [_schedule(51)]}
    await _refused(
        await client.patch(f"/api/deployments/{dep['id']}", json=patch), ["body", "schedules", 0, "max_scheduled_runs"]
    )
    kept = await (await client.get(f"/api/deployments/{dep['id']}")).json()
    assert [s["max_scheduled_runs"] for s in kept["schedules"]] == [50]


async def test_the_schedule_endpoints_refuse_too_many_runs(client) -> None:
    flow_id = await _flow(client)
    dep = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id})).json()
    url = f"/api/deployments/{dep['id']}/schedules"
    await _refused(await client.post(url, json=[_schedule(None), _schedule(51)]), ["body", 1, "max_scheduled_runs"])
    assert await (await client.get(url)).json() == []

    made = await client.post(url, json=[_schedule(50)])
    assert made.status == 201, await made.text()
    [schedule] = await made.json()
    await _refused(
        await client.patch(f"{url}/{schedule['id']}", json={"max_scheduled_runs": 51}), ["body", "max_scheduled_runs"]
    )
    assert (await client.patch(f"{url}/{schedule['id']}", json={"max_scheduled_runs": 20})).status == 204
    assert [s["max_scheduled_runs"] for s in await (await client.get(url)).json()] == [20]


async def test_the_maximum_is_the_servers_setting(server_env, aiohttp_client) -> None:
    settings = Settings.from_env({**server_env, "PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS": "5"})
    client = await aiohttp_client(create_app(settings))
    flow_id = await _flow(client)
    body = {"name": "d", "flow_id": flow_id, "schedules": [_schedule(6)]}
    await _refused(await client.post("/api/deployments/", json=body), ["body", "schedules", 0, "max_scheduled_runs"], 5)
    body["schedules"] = [_schedule(5)]
    assert (await client.post("/api/deployments/", json=body)).status == 201
