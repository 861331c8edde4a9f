"""Status-change events of work pools, work queues and deployments (what automations react to)."""

from __future__ import annotations

from prefect_core.services.background.foreman import Foreman
from prefect_http.keys import SERVICES


async def _events(client, prefix: str) -> list[dict]:
    await client.server.app[SERVICES].events.flush()
    body = {"filter": {"event": {"prefix": [prefix]}, "order": "ASC"}, "limit": 50}
    events = (await (await client.post("/api/events/filter", json=body)).json())["events"]
    # Only status events here (created / updated / deleted: test_lifecycle_events.py).
    return [e for e in events if e["event"].rsplit(".", 1)[1] not in {"created", "updated", "deleted"}]


async def test_pool_queue_and_deployment_status_events(client) -> None:
    pool = await (await client.post("/api/work_pools/", json={"name": "sp", "type": "process"})).json()
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    dep = await (
        await client.post("/api/deployments/", json={"name": "d", "flow_id": flow["id"], "work_pool_name": "sp"})
    ).json()

    await client.post("/api/work_pools/sp/workers/heartbeat", json={"name": "w1", "heartbeat_interval_seconds": 30})
    ready = await _events(client, "prefect.work-pool.")
    assert [e["event"] for e in ready] == ["prefect.work-pool.ready"]
    assert ready[0]["resource"] == {
        "prefect.resource.id": f"prefect.work-pool.{pool['id']}",
        "prefect.resource.name": "sp",
        "prefect.work-pool.type": "process",
    }

    await client.post("/api/work_pools/sp/get_scheduled_flow_runs", json={})
    queue = (await _events(client, "prefect.work-queue."))[0]
    assert queue["event"] == "prefect.work-queue.ready" and queue["resource"]["prefect.resource.name"] == "default"
    assert queue["related"][0]["prefect.resource.id"] == f"prefect.work-pool.{pool['id']}"
    deployment = (await _events(client, "prefect.deployment."))[0]
    assert deployment["event"] == "prefect.deployment.ready"
    assert deployment["resource"]["prefect.resource.id"] == f"prefect.deployment.{dep['id']}"
    roles = sorted(r["prefect.resource.role"] for r in deployment["related"])
    assert roles == ["flow", "work-pool", "work-queue"]
    # Polling again changes nothing: no new events.
    await client.post("/api/work_pools/sp/get_scheduled_flow_runs", json={})
    assert len(await _events(client, "prefect.work-queue.")) == 1

    foreman = Foreman(
        client.server.app[SERVICES].storage,
        heartbeat_multiple=0,
        polled_timeout_seconds=0,
        events=client.server.app[SERVICES].events,
    )
    await foreman.tick()
    assert [e["event"] for e in await _events(client, "prefect.work-pool.")][-1] == "prefect.work-pool.not-ready"
    assert [e["event"] for e in await _events(client, "prefect.work-queue.")][-1] == "prefect.work-queue.not-ready"
    assert [e["event"] for e in await _events(client, "prefect.deployment.")][-1] == "prefect.deployment.not-ready"

    await client.patch("/api/work_pools/sp", json={"is_paused": True})
    assert [e["event"] for e in await _events(client, "prefect.work-pool.")][-1] == "prefect.work-pool.paused"
    await client.patch("/api/work_pools/sp/queues/default", json={"is_paused": True})
    assert [e["event"] for e in await _events(client, "prefect.work-queue.")][-1] == "prefect.work-queue.paused"
