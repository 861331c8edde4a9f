"""A run's creation answers with the run as stored (it is built from what was written,
not read back): the answer equals a read of the run that follows it, on every backend.
And a flow run's relatives are read once for its state events, then kept between its
transitions, unless `PREFECT_SERVER_EVENTS_RELATED_RESOURCE_CACHE_TTL` is 0."""

from __future__ import annotations

import pytest

from prefect_core.settings import Settings
from prefect_http.keys import SERVICES, STORAGE
from tests.support.statements import counting_statements

pytestmark = pytest.mark.timeout(60)

#: Computed at read time from the clock, so a later read may differ.
_AS_OF_NOW = ("estimated_start_time_delta", "estimated_run_time")


async def _post(client, path: str, body: dict, status: tuple[int, ...] = (200, 201)) -> dict:
    resp = await client.post(path, json=body)
    assert resp.status in status, await resp.text()
    return await resp.json()


async def _read(client, path: str) -> dict:
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()
    return await resp.json()


def _same_but_the_clock(created: dict, read: dict) -> None:
    strip = lambda run: {k: v for k, v in run.items() if k not in _AS_OF_NOW}  # noqa: E731
    assert strip(created) == strip(read)


async def test_a_created_flow_run_answers_as_a_read_of_it_does(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "etl"})
    for body in (
        {"flow_id": flow["id"]},
        {"flow_id": flow["id"], "state": {"type": "RUNNING"}, "tags": ["a"], "parameters": {"x": 1}},
        {
            "flow_id": flow["id"],
            "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": "2030-01-01T00:00:00Z"}},
        },
    ):
        created = await _post(client, "/api/flow_runs/", body)
        assert created["state"]["type"] == body.get("state", {}).get("type", "PENDING")
        _same_but_the_clock(created, await _read(client, f"/api/flow_runs/{created['id']}"))


async def test_a_deployment_run_in_a_pool_answers_as_a_read_of_it_does(client) -> None:
    await _post(client, "/api/work_pools/", {"name": "pool", "type": "process"})
    flow = await _post(client, "/api/flows/", {"name": "etl"})
    dep = await _post(client, "/api/deployments/", {"name": "d", "flow_id": flow["id"], "work_pool_name": "pool"})
    created = await _post(client, f"/api/deployments/{dep['id']}/create_flow_run", {})
    assert created["work_pool_name"] == "pool" and created["state"]["type"] == "SCHEDULED"
    _same_but_the_clock(created, await _read(client, f"/api/flow_runs/{created['id']}"))


async def test_a_created_task_run_answers_as_a_read_of_it_does(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "etl"})
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"], "state": {"type": "RUNNING"}})
    for body in (
        {"flow_run_id": run["id"], "task_key": "t", "dynamic_key": "0"},
        {"flow_run_id": run["id"], "task_key": "t", "dynamic_key": "1", "state": {"type": "RUNNING"}, "tags": ["x"]},
    ):
        created = await _post(client, "/api/task_runs/", body)
        _same_but_the_clock(created, await _read(client, f"/api/task_runs/{created['id']}"))
    missing = await client.post(
        "/api/task_runs/",
        json={"flow_run_id": "00000000-0000-0000-0000-000000000000", "task_key": "t", "dynamic_key": "0"},
    )
    assert missing.status == 404


async def _relatives_reads(client, run: dict, types: list[str]) -> int:
    """How many times the run's relatives are read while it moves through `types`."""
    reads = 0
    for type_ in types:
        with counting_statements(client.app[STORAGE]) as log:
            answer = await _post(client, f"/api/flow_runs/{run['id']}/set_state", {"state": {"type": type_}})
        assert answer["status"] == "ACCEPT"
        reads += sum(1 for sql in log.statements if sql.lstrip().upper().startswith("SELECT FLOW.ID AS FLOW_ID"))
    return reads


async def _events_related(client, run: dict) -> list[list[str]]:
    await client.app[SERVICES].events.flush()
    page = await _post(
        client,
        "/api/events/filter",
        {"filter": {"order": "ASC", "resource": {"id": [f"prefect.flow-run.{run['id']}"]}}},
    )
    return [[r["prefect.resource.id"] for r in e["related"]] for e in page["events"]]


async def test_a_flow_runs_relatives_are_read_once_and_kept_between_its_transitions(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "etl", "tags": ["t1"]})
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"]})  # its creation reads them
    assert await _relatives_reads(client, run, ["RUNNING", "COMPLETED"]) == 0
    related = await _events_related(client, run)
    assert len(related) == 3
    assert all(r == [f"prefect.flow.{flow['id']}", "prefect.tag.t1"] for r in related), related


async def test_with_a_ttl_of_zero_every_transition_reads_them(server_env, aiohttp_client) -> None:
    from prefect_http.app import create_app

    settings = Settings.from_env({**server_env, "PREFECT_SERVER_EVENTS_RELATED_RESOURCE_CACHE_TTL": "0"})
    client = await aiohttp_client(create_app(settings))
    flow = await _post(client, "/api/flows/", {"name": "etl"})
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"]})
    assert await _relatives_reads(client, run, ["RUNNING", "COMPLETED"]) == 2
