"""Bulk deletes and state changes, lateness, resume and log download."""

from __future__ import annotations

import csv
import io
import uuid


async def _flow(client, name: str = "f") -> dict:
    return await (await client.post("/api/flows/", json={"name": name})).json()


async def _run(client, flow_id: str, **extra) -> dict:
    resp = await client.post("/api/flow_runs/", json={"flow_id": flow_id, **extra})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _set_state(client, run_id: str, state: dict) -> dict:
    return await (await client.post(f"/api/flow_runs/{run_id}/set_state", json={"state": state})).json()


async def test_bulk_delete_flows_by_name_with_limit_and_cascade(client) -> None:
    a, b = await _flow(client, "a"), await _flow(client, "b")
    await _flow(client, "c")
    run = await _run(client, a["id"])
    resp = await client.post("/api/flows/bulk_delete", json={"flows": {"name": {"any_": ["b", "a"]}}, "limit": 1})
    assert resp.status == 200
    assert await resp.json() == {"deleted": [a["id"]]}  # first by name
    assert (await client.get(f"/api/flow_runs/{run['id']}")).status == 404  # runs go with their flow
    assert (await client.get(f"/api/flows/{b['id']}")).status == 200
    nothing = await client.post("/api/flows/bulk_delete", json={"flows": {"name": {"any_": ["zzz"]}}})
    assert await nothing.json() == {"deleted": []}
    everything = await (await client.post("/api/flows/bulk_delete")).json()  # no body: up to 50
    assert len(everything["deleted"]) == 2


async def test_bulk_limits_are_validated(client) -> None:
    for path in ("/api/flows/bulk_delete", "/api/flow_runs/bulk_delete"):
        for limit, kind in ((0, "greater_than_equal"), (51, "less_than_equal")):
            resp = await client.post(path, json={"limit": limit})
            assert resp.status == 422
            detail = (await resp.json())["exception_detail"]
            assert [(d["type"], d["loc"]) for d in detail] == [(kind, ["body", "limit"])]
        assert (await client.post(path, json={"limit": None})).status == 200  # null: the default


async def test_bulk_delete_flow_runs(client) -> None:
    flow = await _flow(client)
    runs = [await _run(client, flow["id"], tags=["x"] if i % 2 else []) for i in range(4)]
    tagged = sorted((r["id"] for r in runs if r["tags"]), reverse=True)
    resp = await client.post("/api/flow_runs/bulk_delete", json={"flow_runs": {"tags": {"all_": ["x"]}}})
    assert resp.status == 200 and await resp.json() == {"deleted": tagged}
    left = await (await client.post("/api/flow_runs/count", json={})).json()
    assert left == 2
    one = await (await client.post("/api/flow_runs/bulk_delete", json={"limit": 1})).json()
    assert len(one["deleted"]) == 1


async def test_bulk_set_state_orchestrates_each_run(client) -> None:
    flow = await _flow(client)
    pending = await _run(client, flow["id"])
    done = await _run(client, flow["id"], state={"type": "RUNNING"})
    persisted = {"type": "COMPLETED", "data": {"storage_key": "k", "serializer": {"type": "json"}}}
    assert (await _set_state(client, done["id"], persisted))["status"] == "ACCEPT"
    other = await _run(client, flow["id"], tags=["skip"])
    body = {"flow_runs": {"id": {"any_": [pending["id"], done["id"]]}}, "state": {"type": "RUNNING"}}
    resp = await client.post("/api/flow_runs/bulk_set_state", json=body)
    assert resp.status == 200
    results = {r["flow_run_id"]: r for r in (await resp.json())["results"]}
    assert set(results) == {pending["id"], done["id"]}
    assert results[pending["id"]]["status"] == "ACCEPT"
    assert results[pending["id"]]["state"]["type"] == "RUNNING"
    assert results[pending["id"]]["details"] == {"type": "accept_details"}
    # a persisted COMPLETED -> RUNNING is refused by the rules, as a single set_state would be
    assert results[done["id"]]["status"] == "REJECT"
    assert results[done["id"]]["details"]["type"] == "reject_details"
    assert (await (await client.get(f"/api/flow_runs/{other['id']}")).json())["state_type"] == "PENDING"
    forced = await client.post("/api/flow_runs/bulk_set_state", json={**body, "force": True})
    assert {r["status"] for r in (await forced.json())["results"]} == {"ACCEPT"}
    missing = await client.post("/api/flow_runs/bulk_set_state", json={"flow_runs": None})
    assert missing.status == 422
    assert [d["loc"] for d in (await missing.json())["exception_detail"]] == [["body", "state"]]
    empty = await client.post("/api/flow_runs/bulk_set_state")
    assert empty.status == 422
    none = await client.post(
        "/api/flow_runs/bulk_set_state", json={"flow_runs": {"id": {"any_": []}}, "state": {"type": "RUNNING"}}
    )
    assert await none.json() == {"results": []}


async def test_lateness(client) -> None:
    flow = await _flow(client, "late")
    by_flow = {"flows": {"id": {"any_": [flow["id"]]}}}
    assert await (await client.post("/api/flow_runs/lateness", json=by_flow)).json() is None
    # due a minute ago and not started: about 60 s late; a completed run counts as 0
    await _run(
        client, flow["id"], state={"type": "SCHEDULED", "state_details": {"scheduled_time": "2020-01-01T00:00:00Z"}}
    )
    await _run(client, flow["id"], state={"type": "COMPLETED"})
    late = await (await client.post("/api/flow_runs/lateness", json=by_flow)).json()
    assert isinstance(late, float) and late > 60 * 60 * 24 * 365 / 2  # half of years-late
    on_time = await _flow(client, "on-time")
    await _run(client, on_time["id"], state={"type": "COMPLETED"})
    zero = await client.post("/api/flow_runs/lateness", json={"flows": {"id": {"any_": [on_time["id"]]}}})
    assert await zero.json() == 0.0
    assert (await client.post("/api/flow_runs/lateness")).status == 200
    bad = await client.post("/api/flow_runs/lateness", json={"flows": 5})
    assert bad.status == 422


async def _paused(client, flow_id: str, **details) -> dict:
    run = await _run(client, flow_id, state={"type": "RUNNING"})
    paused = await _set_state(client, run["id"], {"type": "PAUSED", "state_details": details})
    assert paused["status"] == "ACCEPT", paused
    return run


async def test_resume_a_paused_run(client) -> None:
    flow = await _flow(client)
    run = await _paused(client, flow["id"], pause_key="1")
    resp = await client.post(f"/api/flow_runs/{run['id']}/resume")
    assert resp.status == 201
    body = await resp.json()
    assert body["status"] == "ACCEPT" and body["state"]["type"] == "RUNNING"
    again = await client.post(f"/api/flow_runs/{run['id']}/resume", json={})
    assert again.status == 200
    assert await again.json() == {
        "state": None,
        "status": "ABORT",
        "details": {"type": "abort_details", "reason": "Cannot resume a flow run that is not paused."},
    }
    assert (await client.post(f"/api/flow_runs/{uuid.uuid4()}/resume")).status == 404
    bad = await client.post(f"/api/flow_runs/{run['id']}/resume", json={"run_input": 5})
    assert bad.status == 422


async def test_resume_with_run_input(client) -> None:
    flow = await _flow(client)
    keyset = {"response": "paused-1-response", "schema": "paused-1-schema", "description": "paused-1-description"}
    run = await _paused(client, flow["id"], pause_key="1", run_input_keyset=keyset)
    url = f"/api/flow_runs/{run['id']}/resume"

    no_schema = await (await client.post(url, json={"run_input": {"x": 1}})).json()
    assert no_schema["status"] == "REJECT" and no_schema["state"]["type"] == "PAUSED"
    assert no_schema["details"] == {"type": "abort_details", "reason": "Run input schema not found."}

    inputs = f"/api/flow_runs/{run['id']}/input"
    await client.post(inputs, json={"key": "paused-1-schema", "value": "{not json"})
    bad_schema = await (await client.post(url, json={"run_input": {"x": 1}})).json()
    assert bad_schema["details"]["reason"] == "Run input schema is not valid JSON."

    await client.delete(f"{inputs}/paused-1-schema")
    await client.post(inputs, json={"key": "paused-1-schema", "value": '{"type": "object"}'})
    resp = await client.post(url, json={"run_input": {"x": 1, "name": "é"}})
    assert resp.status == 201 and (await resp.json())["status"] == "ACCEPT"
    stored = await client.get(f"{inputs}/paused-1-response")
    assert stored.status == 200 and await stored.text() == '{"x":1,"name":"é"}'


async def test_resume_a_suspended_run_reschedules_it(client) -> None:
    flow = await _flow(client)
    deployment = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow["id"]})).json()
    run = await _run(client, flow["id"], deployment_id=deployment["id"], state={"type": "RUNNING"})
    suspended = await _set_state(
        client,
        run["id"],
        {"type": "PAUSED", "name": "Suspended", "state_details": {"pause_reschedule": True, "pause_key": "s"}},
    )
    assert suspended["status"] == "ACCEPT", suspended
    body = await (await client.post(f"/api/flow_runs/{run['id']}/resume")).json()
    assert body["status"] == "ACCEPT"
    assert body["state"]["type"] == "SCHEDULED" and body["state"]["name"] == "Resuming"
    assert body["state"]["state_details"]["scheduled_time"] is not None


async def test_download_logs_as_csv(client) -> None:
    flow = await _flow(client)
    run = await _run(client, flow["id"], name="my run/1")
    task_id = str(uuid.uuid4())
    logs = [
        {
            "name": "n",
            "level": 40,
            "message": "second",
            "timestamp": "2024-01-01T00:00:01.5Z",
            "flow_run_id": run["id"],
            "task_run_id": task_id,
        },
        {
            "name": "n",
            "level": 20,
            "message": 'a, "quoted"\nmessage',
            "timestamp": "2024-01-01T00:00:00Z",
            "flow_run_id": run["id"],
        },
    ]
    assert (await client.post("/api/logs/", json=logs)).status == 201
    resp = await client.get(f"/api/flow_runs/{run['id']}/logs/download")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"flow-run-logs.csv\"; filename*=UTF-8''my%20run%2F1-logs.csv"
    )
    text = await resp.text()
    assert text.startswith("timestamp,level,flow_run_id,task_run_id,message\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["timestamp", "level", "flow_run_id", "task_run_id", "message"],
        ["2024-01-01 00:00:00+00:00", "20", run["id"], "", 'a, "quoted"\nmessage'],
        ["2024-01-01 00:00:01.500000+00:00", "40", run["id"], task_id, "second"],
    ]
    missing = await client.get(f"/api/flow_runs/{uuid.uuid4()}/logs/download")
    assert missing.status == 404 and await missing.json() == {"detail": "Flow run not found"}


async def test_download_pages_through_many_logs(client) -> None:
    flow = await _flow(client)
    run = await _run(client, flow["id"])
    logs = [
        {
            "name": "n",
            "level": 20,
            "message": f"m{i}",
            "timestamp": f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
            "flow_run_id": run["id"],
        }
        for i in range(1205)
    ]
    assert (await client.post("/api/logs/", json=logs)).status == 201
    rows = list(csv.reader(io.StringIO(await (await client.get(f"/api/flow_runs/{run['id']}/logs/download")).text())))
    assert [r[4] for r in rows[1:]] == [f"m{i}" for i in range(1205)]


async def test_static_paths_are_not_taken_for_ids(client) -> None:
    flow = await _flow(client)
    await _run(client, flow["id"])
    # POST /flow_runs/bulk_delete is its own route, not /flow_runs/{id}
    assert (await client.post("/api/flow_runs/bulk_delete", json={"limit": 1})).status == 200
    assert (await client.get("/api/flow_runs/bulk_delete")).status in (404, 405)
    assert (await client.get(f"/api/flows/{flow['id']}")).status == 200
