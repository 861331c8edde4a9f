"""/work_pools, /work_queues and workers through the aiohttp test client."""

from __future__ import annotations

import asyncio
import uuid


async def _pool(client, name: str = "tp", **body) -> dict:
    resp = await client.post("/api/work_pools/", json={"name": name, "type": "process", **body})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_pool_crud_with_default_queue(client) -> None:
    assert (await client.get("/api/work_pools/tp")).status == 404
    assert await (await client.get("/api/work_pools/tp")).json() == {"detail": 'Work pool "tp" not found.'}
    template = {"job_configuration": {"command": "{{ command }}"}, "variables": {"properties": {"command": {}}}}
    pool = await _pool(client, base_job_template=template)
    assert pool["status"] == "NOT_READY" and pool["default_queue_id"]
    assert pool["storage_configuration"] == {
        "bundle_upload_step": None,
        "bundle_execution_step": None,
        "default_result_storage_block_id": None,
    }
    again = await client.post("/api/work_pools/", json={"name": "tp", "type": "process"})
    assert again.status == 409
    assert (await client.post("/api/work_pools/", json={"name": "prefect-x"})).status == 403
    queues = await (
        await client.post("/api/work_pools/tp/queues/filter", json={"work_queues": None, "limit": None, "offset": None})
    ).json()
    assert [(q["name"], q["priority"], q["id"]) for q in queues] == [("default", 1, pool["default_queue_id"])]
    assert queues[0]["work_pool_name"] == "tp" and queues[0]["description"] == "The work pool's default queue."
    by_id = await (await client.get(f"/api/work_queues/{pool['default_queue_id']}")).json()
    assert by_id["name"] == "default" and by_id["work_pool_id"] == pool["id"]
    assert (await client.patch("/api/work_pools/tp", json={"is_paused": True, "concurrency_limit": 2})).status == 204
    read = await (await client.get("/api/work_pools/tp")).json()
    assert (
        read["is_paused"]
        and read["status"] == "PAUSED"
        and read["concurrency_limit"] == 2
        and read["active_slots"] == 0
    )
    assert await (await client.post("/api/work_pools/count", json={})).json() == 1
    filtered = await (
        await client.post("/api/work_pools/filter", json={"work_pools": {"type": {"any_": ["process"]}}})
    ).json()
    assert [p["name"] for p in filtered] == ["tp"]
    assert (await client.delete("/api/work_pools/tp")).status == 204
    assert (await client.delete("/api/work_pools/tp")).status == 404
    assert (await client.get(f"/api/work_queues/{pool['default_queue_id']}")).status == 404


async def test_queue_priorities_and_lifecycle(client) -> None:
    pool = await _pool(client)
    for name in ("a", "b"):
        assert (await client.post("/api/work_pools/tp/queues", json={"name": name})).status == 201
    dup = await client.post("/api/work_pools/tp/queues", json={"name": "a"})
    assert dup.status == 409
    top = await client.post("/api/work_pools/tp/queues", json={"name": "top", "priority": 1})
    assert (await top.json())["priority"] == 1
    queues = await (await client.post("/api/work_pools/tp/queues/filter", json={})).json()
    assert [(q["name"], q["priority"]) for q in queues] == [("top", 1), ("default", 2), ("a", 3), ("b", 4)]
    assert (
        await client.patch("/api/work_pools/tp/queues/b", json={"priority": 2, "concurrency_limit": 1})
    ).status == 204
    queues = await (await client.post("/api/work_pools/tp/queues/filter", json={})).json()
    assert [q["name"] for q in queues] == ["top", "b", "default", "a"]
    assert (await (await client.get("/api/work_pools/tp/queues/b")).json())["active_slots"] == 0
    assert (await client.get("/api/work_pools/tp/queues/nope")).status == 404
    assert (await client.delete("/api/work_pools/tp/queues/a")).status == 204
    assert (await client.delete("/api/work_pools/tp/queues/default")).status == 400
    assert (await client.patch("/api/work_pools/tp/queues/b", json={"is_paused": True})).status == 204
    assert (await (await client.get("/api/work_pools/tp/queues/b")).json())["status"] == "PAUSED"
    starts = await (
        await client.post("/api/work_pools/tp/queues/filter", json={"work_queues": {"name": {"startswith_": ["to"]}}})
    ).json()
    assert [q["name"] for q in starts] == ["top"]
    assert pool["id"]


async def test_legacy_work_queues(client) -> None:
    created = await client.post("/api/work_queues/", json={"name": "legacy"})
    assert created.status == 201
    queue = await created.json()
    assert (await client.post("/api/work_queues/", json={"name": "legacy"})).status == 409
    assert (await (await client.get("/api/work_queues/name/legacy")).json())["id"] == queue["id"]
    assert (await client.get("/api/work_queues/name/nope")).status == 404
    assert (await client.patch(f"/api/work_queues/{queue['id']}", json={"description": "d"})).status == 204
    names = [q["name"] for q in await (await client.post("/api/work_queues/filter", json={})).json()]
    assert "legacy" in names
    status = await (await client.get(f"/api/work_queues/{queue['id']}/status")).json()
    assert status["healthy"] is False and status["late_runs_count"] == 0
    assert (await client.delete(f"/api/work_queues/{queue['id']}")).status == 204
    assert (await client.get(f"/api/work_queues/{queue['id']}")).status == 404


async def test_workers_heartbeat_filter_delete(client) -> None:
    await _pool(client)
    assert (
        await client.post(
            "/api/work_pools/tp/workers/filter",
            json={"workers": {"status": {"any_": ["ONLINE"]}}, "offset": None, "limit": None},
        )
    ).status == 200
    resp = await client.post(
        "/api/work_pools/tp/workers/heartbeat", json={"name": "w1", "heartbeat_interval_seconds": 30}
    )
    assert resp.status == 204
    await client.post("/api/work_pools/tp/workers/heartbeat", json={"name": "w1"})
    workers = await (
        await client.post("/api/work_pools/tp/workers/filter", json={"workers": {"status": {"any_": ["ONLINE"]}}})
    ).json()
    assert [(w["name"], w["status"], w["heartbeat_interval_seconds"]) for w in workers] == [("w1", "ONLINE", 30)]
    assert (await (await client.get("/api/work_pools/tp")).json())["status"] == "READY"
    assert (await client.post("/api/work_pools/nope/workers/heartbeat", json={"name": "w"})).status == 404
    assert (await client.delete("/api/work_pools/tp/workers/w1")).status == 204
    assert (await client.delete("/api/work_pools/tp/workers/w1")).status == 404


async def _deployment(client, pool: str, queue: str | None = None, name: str = "d") -> dict:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    body = {"name": name, "flow_id": flow["id"], "work_pool_name": pool}
    if queue:
        body["work_queue_name"] = queue
    return await (await client.post("/api/deployments/", json=body)).json()


async def _run(client, deployment: dict, **body) -> dict:
    resp = await client.post(f"/api/deployments/{deployment['id']}/create_flow_run", json=body)
    assert resp.status == 201
    return await resp.json()


async def test_deployment_in_pool_gets_default_queue_and_runs_name_pool(client) -> None:
    pool = await _pool(client)
    dep = await _deployment(client, "tp")
    assert dep["work_pool_name"] == "tp" and dep["work_queue_name"] == "default"
    assert dep["work_queue_id"] == pool["default_queue_id"]
    run = await _run(client, dep)
    assert run["work_pool_name"] == "tp" and run["work_pool_id"] == pool["id"]
    assert run["work_queue_id"] == pool["default_queue_id"]
    in_new_queue = await _run(client, dep, work_queue_name="fresh")
    assert in_new_queue["work_queue_name"] == "fresh"
    assert (await client.get("/api/work_pools/tp/queues/fresh")).status == 200
    no_pool = await client.post(
        "/api/deployments/", json={"name": "x", "flow_id": dep["flow_id"], "work_pool_name": "nope"}
    )
    assert no_pool.status == 404 and (await no_pool.json())["detail"] == 'Work pool "nope" not found.'
    direct = await client.post("/api/flow_runs/", json={"flow_id": dep["flow_id"], "work_pool_name": "tp"})
    assert (await direct.json())["work_queue_id"] == pool["default_queue_id"]
    filtered = await client.post("/api/flow_runs/count", json={"work_pools": {"name": {"any_": ["tp"]}}})
    assert await filtered.json() == 3


async def test_worker_poll_priority_limits_and_claims(client) -> None:
    await _pool(client)
    await client.post("/api/work_pools/tp/queues", json={"name": "high", "priority": 1})
    low = await _deployment(client, "tp", "default", name="low")
    high = await _deployment(client, "tp", "high", name="high")
    low_runs = [await _run(client, low) for _ in range(3)]
    high_runs = [await _run(client, high) for _ in range(2)]
    poll = {"scheduled_before": "2100-01-01T00:00:00Z", "limit": 4}
    got = await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json=poll)).json()
    ids = [r["flow_run"]["id"] for r in got]
    assert ids[:2] == [r["id"] for r in high_runs] and ids[2:] == [r["id"] for r in low_runs[:2]]
    assert got[0]["work_queue_id"] == high["work_queue_id"]
    # claimed runs are not handed out again while the claim lasts
    rest = await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json=poll)).json()
    assert [r["flow_run"]["id"] for r in rest] == [low_runs[2]["id"]]
    assert await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json=poll)).json() == []
    queue = await (await client.get("/api/work_pools/tp/queues/high")).json()
    assert queue["status"] == "READY" and queue["last_polled"]
    assert (await (await client.get(f"/api/deployments/{high['id']}")).json())["status"] == "READY"
    assert (await client.post("/api/work_pools/nope/get_scheduled_flow_runs", json={})).status == 404
    unknown_queue = await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={"work_queue_names": ["nope"]})
    assert unknown_queue.status == 404


async def test_worker_poll_respects_concurrency_and_pause(client) -> None:
    await _pool(client, concurrency_limit=2)
    dep = await _deployment(client, "tp")
    runs = [await _run(client, dep) for _ in range(4)]
    got = await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={})).json()
    assert [r["flow_run"]["id"] for r in got] == [r["id"] for r in runs[:2]]
    assert (await (await client.get("/api/work_pools/tp")).json())["active_slots"] == 2
    assert await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={})).json() == []
    await client.patch("/api/work_pools/tp", json={"concurrency_limit": None})
    await client.patch("/api/work_pools/tp/queues/default", json={"is_paused": True})
    assert await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={})).json() == []
    await client.patch("/api/work_pools/tp/queues/default", json={"is_paused": False})
    await client.patch("/api/work_pools/tp/queues/default", json={"concurrency_limit": 3})
    got = await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={})).json()
    assert [r["flow_run"]["id"] for r in got] == [runs[2]["id"]]


async def test_concurrent_polls_never_share_a_run(client) -> None:
    await _pool(client)
    dep = await _deployment(client, "tp")
    runs = {(await _run(client, dep))["id"] for _ in range(60)}

    async def poll() -> list[str]:
        got: list[str] = []
        while True:
            batch = await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={"limit": 7})).json()
            if not batch:
                return got
            got += [r["flow_run"]["id"] for r in batch]

    results = await asyncio.gather(*(poll() for _ in range(4)))
    everything = [run_id for result in results for run_id in result]
    assert sorted(everything) == sorted(runs)


async def test_collections_view_for_work_pool_create(client) -> None:
    view = await (await client.get("/api/collections/views/aggregate-worker-metadata")).json()
    process = view["prefect"]["process"]
    assert process["type"] == "process"
    # the UI's create page lists a worker type only with a display name, description and logo
    assert process["display_name"] == "Process" and process["description"]
    assert process["logo_url"].startswith("data:image/svg+xml,")
    assert (await client.get("/api/collections/views/nope")).status == 404


async def test_missing_pool_paths(client) -> None:
    for method, path in (
        ("GET", "/api/work_pools/nope/queues/default"),
        ("POST", "/api/work_pools/nope/queues/filter"),
        ("PATCH", "/api/work_pools/nope"),
        ("POST", "/api/work_pools/nope/workers/filter"),
    ):
        resp = await client.request(method, path, json={})
        assert resp.status == 404, (method, path)
    assert (await client.get(f"/api/work_queues/{uuid.uuid4()}")).status == 404


async def test_concurrency_status_views(client) -> None:
    pool = await _pool(client, concurrency_limit=5)
    dep = await _deployment(client, "tp")
    runs = [await _run(client, dep) for _ in range(3)]
    for run in runs[:2]:
        await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "PENDING"}})
    status = await (await client.post("/api/work_pools/tp/concurrency_status", json={})).json()
    assert status["active_slots"] == 2 and status["concurrency_limit"] == 5 and status["count"] == 1
    queue = status["queues"][0]
    assert queue["queue_name"] == "default" and queue["active_slots"] == 2
    assert sorted(r["id"] for r in queue["flow_runs"]) == sorted(r["id"] for r in runs[:2])
    by_queue = await (
        await client.post(f"/api/work_queues/{pool['default_queue_id']}/concurrency_status", json={"limit": 1})
    ).json()
    assert by_queue["active_slots"] == 2 and by_queue["pages"] == 2 and len(by_queue["flow_runs"]) == 1
    assert (await client.post("/api/work_pools/nope/concurrency_status", json={})).status == 404
