"""WS /api/task_runs/subscriptions/scheduled through the aiohttp test client."""

from __future__ import annotations

import asyncio

SCHEDULED = {"type": "SCHEDULED", "state_details": {"deferred": True}}


async def _subscribe(client, keys: list[str]):  # type: ignore[no-untyped-def]
    ws = await client.ws_connect("/api/task_runs/subscriptions/scheduled", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    assert (await ws.receive_json(timeout=5)) == {"type": "auth_success"}
    await ws.send_json({"type": "subscribe", "keys": keys, "client_id": "test"})
    return ws


async def _background_run(client, key: str) -> dict:
    body = {"name": key, "task_key": key, "dynamic_key": "0", "state": SCHEDULED}
    resp = await client.post("/api/task_runs/", json=body)
    assert resp.status == 201
    return await resp.json()


async def test_background_runs_are_delivered_and_acked(client) -> None:
    ws = await _subscribe(client, ["k1"])
    other = await _background_run(client, "k2")
    run = await _background_run(client, "k1")
    delivered = await ws.receive_json(timeout=5)
    assert delivered["id"] == run["id"] and delivered["task_key"] == "k1"
    assert delivered["state"]["type"] == "SCHEDULED" and delivered["state"]["state_details"]["deferred"] is True
    await ws.send_json({"type": "ack"})
    second = await _background_run(client, "k1")
    assert (await ws.receive_json(timeout=5))["id"] == second["id"]
    await ws.send_json({"type": "ack"})
    await ws.close()
    assert other["task_key"] == "k2"


async def test_unacknowledged_run_is_delivered_again(client) -> None:
    first = await _subscribe(client, ["k"])
    run = await _background_run(client, "k")
    assert (await first.receive_json(timeout=5))["id"] == run["id"]
    await first.close()  # gone without an ack
    await asyncio.sleep(0.1)
    second = await _subscribe(client, ["k"])
    assert (await second.receive_json(timeout=5))["id"] == run["id"]
    await second.send_json({"type": "ack"})
    await second.close()


async def test_protocol_violations_close_the_socket(client) -> None:
    ws = await client.ws_connect("/api/task_runs/subscriptions/scheduled", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    await ws.receive_json(timeout=5)
    await ws.send_json({"type": "subscribe", "keys": []})
    msg = await ws.receive(timeout=5)
    assert msg.type.name in ("CLOSE", "CLOSED") and ws.close_code == 4001


async def test_plain_runs_are_not_queued(client) -> None:
    ws = await _subscribe(client, ["plain"])
    await client.post("/api/task_runs/", json={"name": "p", "task_key": "plain", "dynamic_key": "0"})
    await client.post(
        "/api/task_runs/", json={"name": "p", "task_key": "plain", "dynamic_key": "1", "state": {"type": "SCHEDULED"}}
    )
    try:
        await ws.receive_json(timeout=1.5)
        raise AssertionError("a non-deferred run was delivered")
    except TimeoutError:
        pass
    await ws.close()
