"""The /ui/* helper endpoints and /task_workers/filter, on every backend."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from prefect_core import timeutil


async def _post(client, path: str, body: dict, status: int = 200):  # type: ignore[no-untyped-def]
    resp = await client.post(path, json=body)
    assert resp.status == status, (path, resp.status, await resp.text())
    return await resp.json()


async def _flow(client, name: str) -> str:  # type: ignore[no-untyped-def]
    return (await _post(client, "/api/flows/", {"name": name}, 201))["id"]


async def _scheduled_run(client, flow_id: str, name: str, at: dt.datetime) -> dict:  # type: ignore[no-untyped-def]
    state = {"type": "SCHEDULED", "name": "Scheduled", "state_details": {"scheduled_time": timeutil.isoformat(at)}}
    return await _post(client, "/api/flow_runs/", {"flow_id": flow_id, "name": name, "state": state}, 201)


async def _task_run(client, flow_run_id: str, key: str, *final: str) -> dict:  # type: ignore[no-untyped-def]
    run = await _post(
        client, "/api/task_runs/", {"flow_run_id": flow_run_id, "task_key": key, "dynamic_key": "0", "name": key}, 201
    )
    for state in final:
        await _post(client, f"/api/task_runs/{run['id']}/set_state", {"state": {"type": state}, "force": True}, 201)
    return run


async def test_deployment_counts_per_flow(client) -> None:
    with_two, with_none = await _flow(client, "ui-a"), await _flow(client, "ui-b")
    for name in ("d1", "d2"):
        await _post(client, "/api/deployments/", {"name": name, "flow_id": with_two}, 201)
    unknown = str(uuid.uuid4())
    counts = await _post(client, "/api/ui/flows/count-deployments", {"flow_ids": [with_two, with_none, unknown]})
    assert counts == {with_two: 2, with_none: 0, unknown: 0}
    resp = await client.post("/api/ui/flows/count-deployments", json={"flow_ids": [unknown] * 201})
    assert resp.status == 422
    assert (await client.post("/api/ui/flows/count-deployments", json={})).status == 422


async def test_next_runs_per_flow(client) -> None:
    flow_id, idle = await _flow(client, "ui-next"), await _flow(client, "ui-idle")
    now = timeutil.now()
    await _scheduled_run(client, flow_id, "later", now + dt.timedelta(hours=2))
    soon = await _scheduled_run(client, flow_id, "soon", now + dt.timedelta(hours=1))
    runs = await _post(client, "/api/ui/flows/next-runs", {"flow_ids": [flow_id, idle]})
    assert runs[idle] is None
    assert runs[flow_id]["id"] == soon["id"] and runs[flow_id]["name"] == "soon"
    assert runs[flow_id]["state_type"] == "SCHEDULED" and runs[flow_id]["flow_id"] == flow_id
    assert timeutil.parse(runs[flow_id]["next_scheduled_start_time"]) == timeutil.parse(
        soon["next_scheduled_start_time"]
    )


async def test_flow_run_history_points(client) -> None:
    flow_id = await _flow(client, "ui-hist")
    now = timeutil.now()
    first = await _scheduled_run(client, flow_id, "h1", now - dt.timedelta(minutes=5))
    second = await _scheduled_run(client, flow_id, "h2", now + dt.timedelta(minutes=5))
    points = await _post(
        client, "/api/ui/flow_runs/history", {"flows": {"id": {"any_": [flow_id]}}, "sort": "EXPECTED_START_TIME_DESC"}
    )
    assert [p["id"] for p in points] == [second["id"], first["id"]]
    assert set(points[0]) == {"id", "state_type", "timestamp", "duration", "lateness"}
    assert points[0]["state_type"] == "SCHEDULED" and points[0]["duration"] == 0.0
    assert points[1]["lateness"] > 0  # expected five minutes ago, not started
    limited = await _post(client, "/api/ui/flow_runs/history", {"flows": {"id": {"any_": [flow_id]}}, "limit": 1})
    assert len(limited) == 1
    assert (await client.post("/api/ui/flow_runs/history", json={"limit": 1001})).status == 422


async def test_task_run_counts_per_flow_run_leave_out_subflows(client) -> None:
    flow_id = await _flow(client, "ui-tasks")
    parent = await _scheduled_run(client, flow_id, "parent", timeutil.now())
    empty = await _scheduled_run(client, flow_id, "empty", timeutil.now())
    await _task_run(client, parent["id"], "t1")
    await _task_run(client, parent["id"], "t2")
    stands_for = await _task_run(client, parent["id"], "sub")
    await _post(
        client, "/api/flow_runs/", {"flow_id": flow_id, "name": "child", "parent_task_run_id": stands_for["id"]}, 201
    )
    counts = await _post(client, "/api/ui/flow_runs/count-task-runs", {"flow_run_ids": [parent["id"], empty["id"]]})
    assert counts == {parent["id"]: 2, empty["id"]: 0}


async def test_task_run_counts_by_state_and_the_dashboard(client) -> None:
    flow_id = await _flow(client, "ui-dash")
    run = await _scheduled_run(client, flow_id, "dash", timeutil.now())
    started = timeutil.now()
    await _task_run(client, run["id"], "ok1", "RUNNING", "COMPLETED")
    await _task_run(client, run["id"], "ok2", "RUNNING", "COMPLETED")
    await _task_run(client, run["id"], "bad", "RUNNING", "FAILED")
    await _task_run(client, run["id"], "busy", "RUNNING")
    mine = {"flow_runs": {"id": {"any_": [run["id"]]}}}
    counts = await _post(client, "/api/ui/task_runs/count", mine)
    assert counts == {
        "COMPLETED": 2,
        "PENDING": 0,
        "RUNNING": 1,
        "FAILED": 1,
        "CANCELLED": 0,
        "CRASHED": 0,
        "PAUSED": 0,
        "CANCELLING": 0,
        "SCHEDULED": 0,
    }
    window = {
        "after_": timeutil.isoformat(started - dt.timedelta(minutes=19)),
        "before_": timeutil.isoformat(started + dt.timedelta(minutes=1)),
    }
    buckets = await _post(client, "/api/ui/task_runs/dashboard/counts", {**mine, "task_runs": {"start_time": window}})
    assert len(buckets) == 20
    assert sum(b["completed"] for b in buckets) == 2 and sum(b["failed"] for b in buckets) == 1  # RUNNING left out
    assert all(b == {"completed": 0, "failed": 0} for b in buckets[:15])  # all started in the last minutes
    resp = await client.post("/api/ui/task_runs/dashboard/counts", json={"task_runs": {}})
    assert resp.status == 422 and await resp.json() == {"detail": "task_runs.start_time.after_ is required"}
    assert (await client.post("/api/ui/task_runs/dashboard/counts", json={})).status == 422


async def test_task_run_with_its_flow_run_name(client) -> None:
    flow_id = await _flow(client, "ui-named")
    run = await _scheduled_run(client, flow_id, "named-run", timeutil.now())
    task = await _task_run(client, run["id"], "named-task")
    body = await (await client.get(f"/api/ui/task_runs/{task['id']}")).json()
    assert body["id"] == task["id"] and body["flow_run_name"] == "named-run" and body["task_key"] == "named-task"
    resp = await client.get(f"/api/ui/task_runs/{uuid.uuid4()}")
    assert resp.status == 404 and await resp.json() == {"detail": "Task not found"}
    assert (await client.get("/api/ui/task_runs/not-a-uuid")).status == 404


async def test_task_workers_filter_lists_connected_workers(client) -> None:
    assert await _post(client, "/api/task_workers/filter", {}) == []
    ws = await client.ws_connect("/api/task_runs/subscriptions/scheduled", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    assert await ws.receive_json(timeout=5) == {"type": "auth_success"}
    await ws.send_json({"type": "subscribe", "keys": ["k1", "k2"], "client_id": "worker-1"})

    async def listed(body: dict) -> list[dict]:
        for _ in range(100):
            workers = await _post(client, "/api/task_workers/filter", body)
            if workers:
                return workers
            await asyncio.sleep(0.02)
        return []

    workers = await listed({})
    assert [(w["identifier"], w["task_keys"]) for w in workers] == [("worker-1", ["k1", "k2"])]
    assert timeutil.parse(workers[0]["timestamp"]) <= timeutil.now()
    assert len(await listed({"task_worker_filter": {"task_keys": ["k2", "other"]}})) == 1
    assert await _post(client, "/api/task_workers/filter", {"task_worker_filter": {"task_keys": ["other"]}}) == []
    await ws.close()
    for _ in range(100):
        if await _post(client, "/api/task_workers/filter", {}) == []:
            break
        await asyncio.sleep(0.02)
    assert await _post(client, "/api/task_workers/filter", {}) == []
