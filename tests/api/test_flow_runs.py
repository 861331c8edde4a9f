import asyncio
import uuid


async def _flow(client, name: str = "f") -> dict:
    return await (await client.post("/api/flows/", json={"name": name})).json()


async def _run(client, flow_id: str, **extra) -> dict:
    resp = await client.post("/api/flow_runs/", json={"flow_id": flow_id, **extra})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_create_defaults_to_pending(client) -> None:
    flow = await _flow(client)
    run = await _run(client, flow["id"], name=None)
    assert run["state_type"] == "PENDING" and run["state"]["name"] == "Pending"
    assert run["state"]["state_details"]["flow_run_id"] == run["id"]
    assert run["labels"]["prefect.flow.id"] == flow["id"]
    assert run["name"] and run["expected_start_time"] is not None


async def test_create_for_missing_flow_is_404(client) -> None:
    resp = await client.post("/api/flow_runs/", json={"flow_id": str(uuid.uuid4())})
    assert resp.status == 404


async def test_idempotency_key_returns_the_same_run(client) -> None:
    flow = await _flow(client)
    first = await _run(client, flow["id"], idempotency_key="k")
    again = await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "idempotency_key": "k"})
    assert again.status == 200 and (await again.json())["id"] == first["id"]


async def test_state_transitions_and_history(client) -> None:
    flow = await _flow(client)
    run = await _run(client, flow["id"], state={"type": "PENDING"})
    for state in ("RUNNING", "COMPLETED"):
        resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": state}})
        assert resp.status == 201
        body = await resp.json()
        assert body["status"] == "ACCEPT" and body["details"] == {"type": "accept_details"}
    stored = await (await client.get(f"/api/flow_runs/{run['id']}")).json()
    assert stored["state_type"] == "COMPLETED" and stored["run_count"] == 1
    assert stored["start_time"] and stored["end_time"]
    history = await (await client.get("/api/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    assert [s["type"] for s in history] == ["PENDING", "RUNNING", "COMPLETED"]
    one = await (await client.get(f"/api/flow_run_states/{history[1]['id']}")).json()
    assert one["type"] == "RUNNING"


async def test_terminal_state_is_protected(client) -> None:
    flow = await _flow(client)
    run = await _run(client, flow["id"])
    url = f"/api/flow_runs/{run['id']}/set_state"
    await client.post(url, json={"state": {"type": "RUNNING"}})
    persisted = {"type": "COMPLETED", "data": {"storage_key": "k", "serializer": {"type": "json"}}}
    await client.post(url, json={"state": persisted})
    crashed = await (await client.post(url, json={"state": {"type": "CRASHED"}})).json()
    assert crashed["status"] == "ABORT"
    assert "terminal" in crashed["details"]["reason"]
    rerun = await (await client.post(url, json={"state": {"type": "RUNNING"}})).json()
    assert rerun["status"] == "REJECT" and rerun["state"]["type"] == "COMPLETED"
    stored = await (await client.get(f"/api/flow_runs/{run['id']}")).json()
    assert stored["state_type"] == "COMPLETED" and stored["state"]["data"]["storage_key"] == "k"


async def test_set_state_bad_input(client) -> None:
    flow = await _flow(client)
    run = await _run(client, flow["id"])
    resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "NOPE"}})
    assert resp.status == 422
    resp = await client.post(f"/api/flow_runs/{uuid.uuid4()}/set_state", json={"state": {"type": "RUNNING"}})
    assert resp.status == 404
    stored = await (await client.get(f"/api/flow_runs/{run['id']}")).json()
    assert stored["state_type"] == "PENDING"


async def test_filter_by_state_and_flow(client) -> None:
    a, b = await _flow(client, "a"), await _flow(client, "b")
    ra = await _run(client, a["id"])
    await _run(client, b["id"])
    await client.post(f"/api/flow_runs/{ra['id']}/set_state", json={"state": {"type": "RUNNING"}})
    running = await (
        await client.post("/api/flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}})
    ).json()
    assert [r["id"] for r in running] == [ra["id"]]
    of_b = await (await client.post("/api/flow_runs/count", json={"flows": {"name": {"any_": ["b"]}}})).json()
    assert of_b == 1
    page = await (await client.post("/api/flow_runs/paginate", json={"limit": 1})).json()
    assert page["count"] == 2 and page["pages"] == 2


async def test_patch_labels_delete(client) -> None:
    flow = await _flow(client)
    run = await _run(client, flow["id"])
    assert (await client.patch(f"/api/flow_runs/{run['id']}", json={"infrastructure_pid": "123"})).status == 204
    assert (await client.patch(f"/api/flow_runs/{run['id']}/labels", json={"env": "prod"})).status == 204
    stored = await (await client.get(f"/api/flow_runs/{run['id']}")).json()
    assert stored["infrastructure_pid"] == "123" and stored["labels"]["env"] == "prod"
    assert stored["labels"]["prefect.flow.id"] == flow["id"]
    assert (await client.delete(f"/api/flow_runs/{run['id']}")).status == 204
    assert (await client.get(f"/api/flow_runs/{run['id']}")).status == 404


async def test_concurrent_transitions_are_serialised(client) -> None:
    """16 concurrent proposals of RUNNING on one PENDING run: exactly one is accepted."""
    flow = await _flow(client)
    run = await _run(client, flow["id"])

    async def propose() -> dict:
        resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "RUNNING"}})
        assert resp.status < 500
        return await resp.json()

    results = await asyncio.gather(*(propose() for _ in range(16)))
    history = await (await client.get("/api/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    assert [s["type"] for s in history].count("RUNNING") == sum(r["status"] == "ACCEPT" for r in results)
    stored = await (await client.get(f"/api/flow_runs/{run['id']}")).json()
    assert stored["state_type"] == "RUNNING"


async def test_history_buckets_runs_by_expected_start_and_state(client) -> None:
    flow = await _flow(client, "hist")
    runs = [await _run(client, flow["id"]) for _ in range(3)]
    await client.post(f"/api/flow_runs/{runs[0]['id']}/set_state", json={"state": {"type": "RUNNING"}})
    start = min(r["expected_start_time"] for r in runs)
    body = {
        "history_start": "2020-01-01T00:00:00Z",
        "history_end": "2100-01-01T00:00:00Z",
        "history_interval_seconds": 86400 * 365 * 100,
    }
    history = await (await client.post("/api/flow_runs/history", json=body)).json()
    assert len(history) == 1
    counts = {(s["state_type"], s["state_name"]): s["count_runs"] for s in history[0]["states"]}
    assert counts == {("PENDING", "Pending"): 2, ("RUNNING", "Running"): 1}
    body = {"history_start": start, "history_end": start, "history_interval_seconds": 60}
    assert await (await client.post("/api/flow_runs/history", json=body)).json() == []
    bad = await client.post("/api/flow_runs/history", json={**body, "history_interval_seconds": 0.5})
    assert bad.status == 422
    tasks = await client.post("/api/task_runs/history", json={**body, "history_end": "2100-01-01T00:00:00Z"})
    assert tasks.status == 200
