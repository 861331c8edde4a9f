"""WS /api/work_pools/{name}/workers/connect: hello, ready, heartbeats, snapshots."""

from __future__ import annotations

import asyncio
import uuid

from prefect_http.ws import workers as ws_workers

TEMPLATE = {"job_configuration": {"command": "{{ command }}"}, "variables": {"properties": {"command": {}}}}


def _hello(**changes) -> dict:
    payload = {
        "consumer_id": str(uuid.uuid4()),
        "worker_name": "w1",
        "worker_type": "process",
        "heartbeat_interval_seconds": 30,
        "supported_channel_versions": ["work_pool_worker_channel.v1"],
        "requested_capabilities": ["worker_heartbeat.v1", "work_pool_snapshot.v1"],
        "work_queue_names": [],
        "handled_cleanup_kinds": [],
        "max_cleanup_concurrency": 0,
        "create_pool_if_not_found": True,
        "default_base_job_template": TEMPLATE,
        "worker_metadata": None,
        **changes,
    }
    return {"type": "worker.hello.v1", "id": str(uuid.uuid4()), "sent_at": "2026-01-01T00:00:00Z", "payload": payload}


async def _connect(client, pool: str):  # type: ignore[no-untyped-def]
    ws = await client.ws_connect(f"/api/work_pools/{pool}/workers/connect", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    assert await ws.receive_json(timeout=5) == {"type": "auth_success"}
    return ws


async def test_hello_creates_pool_and_answers_ready(client) -> None:
    ws = await _connect(client, "chan")
    hello = _hello()
    await ws.send_json(hello)
    ready = await ws.receive_json(timeout=5)
    assert ready["type"] == "worker.ready.v1"
    payload = ready["payload"]
    assert payload["consumer_id"] == hello["payload"]["consumer_id"]
    assert payload["accepted_capabilities"] == ["worker_heartbeat.v1", "work_pool_snapshot.v1"]
    assert payload["selected_channel_version"] == "work_pool_worker_channel.v1"
    assert [q["name"] for q in payload["resolved_work_queues"]] == ["default"]
    snapshot = payload["initial_snapshot"]
    assert snapshot["snapshot_sequence"] == 1 and snapshot["reason"] == "initial"
    assert snapshot["work_pool"]["name"] == "chan" and snapshot["work_pool"]["base_job_template"] == TEMPLATE
    workers = await (await client.post("/api/work_pools/chan/workers/filter", json={})).json()
    assert [w["status"] for w in workers] == ["ONLINE"]
    await ws.send_json(
        {
            "type": "worker.heartbeat.v1",
            "id": str(uuid.uuid4()),
            "sent_at": "2026-01-01T00:00:00Z",
            "payload": {
                "consumer_id": hello["payload"]["consumer_id"],
                "worker_name": "w1",
                "heartbeat_interval_seconds": 15,
            },
        }
    )
    for _ in range(50):  # the heartbeat is recorded as the server reads it
        workers = await (await client.post("/api/work_pools/chan/workers/filter", json={})).json()
        if workers[0]["heartbeat_interval_seconds"] == 15:
            break
        await asyncio.sleep(0.05)
    assert workers[0]["heartbeat_interval_seconds"] == 15
    await ws.close()


async def test_pool_changes_are_pushed_as_snapshots(client, monkeypatch) -> None:
    monkeypatch.setattr(ws_workers, "SNAPSHOT_CHECK_SECONDS", 0.1)
    await client.post("/api/work_pools/", json={"name": "snap", "type": "process", "base_job_template": TEMPLATE})
    ws = await _connect(client, "snap")
    await ws.send_json(_hello(create_pool_if_not_found=False))
    assert (await ws.receive_json(timeout=5))["type"] == "worker.ready.v1"
    await client.patch("/api/work_pools/snap", json={"description": "changed"})
    frame = await ws.receive_json(timeout=5)
    assert frame["type"] == "work_pool.snapshot.v1"
    assert frame["payload"]["snapshot_sequence"] == 2 and frame["payload"]["work_pool"]["description"] == "changed"
    await ws.close()


async def test_refusals_close_with_reasons(client) -> None:
    ws = await _connect(client, "missing")
    await ws.send_json(_hello(create_pool_if_not_found=False))
    msg = await ws.receive(timeout=5)
    assert ws.close_code == 1008 and msg.extra == "authorization_failed"
    ws = await _connect(client, "missing")
    await ws.send_json(_hello(supported_channel_versions=["v0"]))
    await ws.receive(timeout=5)
    assert ws.close_code == 1008
    ws = await _connect(client, "missing")
    await ws.send_json({"type": "nonsense"})
    await ws.receive(timeout=5)
    assert ws.close_code == 1002
