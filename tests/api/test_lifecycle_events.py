"""`.created` / `.updated` / `.deleted` events of work pools, work queues and deployments."""

from __future__ import annotations

from prefect_http.keys import SERVICES


async def _events(client, *prefixes: str) -> list[dict]:
    await client.server.app[SERVICES].events.flush()
    body = {"filter": {"event": {"prefix": list(prefixes)}, "order": "ASC"}, "limit": 50}
    return (await (await client.post("/api/events/filter", json=body)).json())["events"]


def _names(events: list[dict]) -> list[str]:
    return [e["event"] for e in events]


async def test_work_pool_and_queue_lifecycle_events(client) -> None:
    pool = await (await client.post("/api/work_pools/", json={"name": "lp", "type": "process"})).json()
    created = await _events(client, "prefect.work-pool.", "prefect.work-queue.")
    assert _names(created) == ["prefect.work-queue.created", "prefect.work-pool.created"]
    queue_created, pool_created = created
    assert queue_created["resource"] == {
        "prefect.resource.id": f"prefect.work-queue.{pool['default_queue_id']}",
        "prefect.resource.name": "default",
        "prefect.resource.role": "work-queue",
    }
    assert queue_created["related"][0]["prefect.resource.id"] == f"prefect.work-pool.{pool['id']}"
    assert pool_created["resource"] == {
        "prefect.resource.id": f"prefect.work-pool.{pool['id']}",
        "prefect.resource.name": "lp",
        "prefect.work-pool.type": "process",
        "prefect.resource.role": "work-pool",
    }
    assert pool_created["related"] == [
        {
            "prefect.resource.id": f"prefect.work-queue.{pool['default_queue_id']}",
            "prefect.resource.role": "default-queue",
        }
    ]

    assert (await client.patch("/api/work_pools/lp", json={"description": "new", "concurrency_limit": 3})).status == 204
    updated = (await _events(client, "prefect.work-pool.updated"))[0]
    assert sorted(updated["payload"]["updated_fields"]) == ["concurrency_limit", "description"]
    assert updated["payload"]["updates"]["concurrency_limit"] == {"from": None, "to": 3}
    # Setting what is already there, or pausing (a status event), is no update.
    await client.patch("/api/work_pools/lp", json={"description": "new"})
    await client.patch("/api/work_pools/lp", json={"is_paused": True})
    assert len(await _events(client, "prefect.work-pool.updated")) == 1

    queue = await (await client.post("/api/work_pools/lp/queues", json={"name": "q2"})).json()
    assert _names(await _events(client, "prefect.work-queue.created")) == ["prefect.work-queue.created"] * 2
    await client.patch("/api/work_pools/lp/queues/q2", json={"description": "d", "priority": 5})
    q_updated = (await _events(client, "prefect.work-queue.updated"))[0]
    assert q_updated["resource"]["prefect.resource.id"] == f"prefect.work-queue.{queue['id']}"
    assert q_updated["payload"]["updates"]["priority"] == {"from": 2, "to": 5}
    assert q_updated["payload"]["updates"]["description"] == {"from": "", "to": "d"}

    assert (await client.delete("/api/work_pools/lp/queues/q2")).status == 204
    assert (await _events(client, "prefect.work-queue.deleted"))[0]["resource"]["prefect.resource.name"] == "q2"
    assert (await client.delete("/api/work_pools/lp")).status == 204
    deleted = await _events(client, "prefect.work-pool.deleted", "prefect.work-queue.deleted")
    assert _names(deleted) == ["prefect.work-queue.deleted", "prefect.work-queue.deleted", "prefect.work-pool.deleted"]
    assert deleted[1]["resource"]["prefect.resource.name"] == "default"


async def test_deployment_lifecycle_events(client) -> None:
    await client.post("/api/work_pools/", json={"name": "dp", "type": "process"})
    flow = await (await client.post("/api/flows/", json={"name": "lf"})).json()
    body = {"name": "ld", "flow_id": flow["id"], "work_pool_name": "dp", "tags": ["a"]}
    dep = await (await client.post("/api/deployments/", json=body)).json()
    created = await _events(client, "prefect.deployment.")
    assert _names(created) == ["prefect.deployment.created"]
    assert created[0]["resource"] == {
        "prefect.resource.id": f"prefect.deployment.{dep['id']}",
        "prefect.resource.name": "ld",
    }
    assert sorted(r["prefect.resource.role"] for r in created[0]["related"]) == ["flow", "work-pool", "work-queue"]

    # Registering it again unchanged is no update; with new tags it is one.
    await client.post("/api/deployments/", json=body)
    assert _names(await _events(client, "prefect.deployment.")) == ["prefect.deployment.created"]
    await client.post("/api/deployments/", json={**body, "tags": ["a", "b"]})
    updated = (await _events(client, "prefect.deployment.updated"))[-1]
    assert updated["payload"] == {"updated_fields": ["tags"], "updates": {"tags": {"from": ["a"], "to": ["a", "b"]}}}

    await client.patch(f"/api/deployments/{dep['id']}", json={"description": "x", "job_variables": {"env": {"A": "1"}}})
    patched = (await _events(client, "prefect.deployment.updated"))[-1]
    assert sorted(patched["payload"]["updated_fields"]) == ["description", "infra_overrides"]
    await client.post(f"/api/deployments/{dep['id']}/pause_deployment")
    paused = (await _events(client, "prefect.deployment.updated"))[-1]
    assert paused["payload"]["updates"] == {"paused": {"from": False, "to": True}}

    assert (await client.delete(f"/api/deployments/{dep['id']}")).status == 204
    deleted = (await _events(client, "prefect.deployment.deleted"))[0]
    assert deleted["resource"]["prefect.resource.id"] == f"prefect.deployment.{dep['id']}"
