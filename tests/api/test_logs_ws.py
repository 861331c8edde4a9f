"""WS /api/logs/out: the reference's protocol, and its two settings."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import aiohttp
import pytest

from prefect_core.settings import Settings


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    return {
        **server_env,
        "PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED": "true",
        "PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED": "true",
    }


def _log(flow_run_id: str, message: str, level: int = 20) -> dict:
    return {
        "name": "test",
        "level": level,
        "message": message,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "flow_run_id": flow_run_id,
    }


async def _subscribe(client, flt: dict) -> aiohttp.ClientWebSocketResponse:
    ws = await client.ws_connect("/api/logs/out", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    assert (await ws.receive_json(timeout=5)) == {"type": "auth_success"}
    await ws.send_json({"type": "filter", "filter": flt})
    return ws


async def _until_subscribed(client) -> None:
    from prefect_http.keys import SERVICES

    for _ in range(100):
        if client.app[SERVICES].logs.stream.subscribers:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription never opened")


async def test_matching_logs_are_streamed_as_they_are_stored(client) -> None:
    run, other = str(uuid.uuid4()), str(uuid.uuid4())
    ws = await _subscribe(client, {"flow_run_id": {"any_": [run]}, "level": {"ge_": 20}})
    await _until_subscribed(client)
    resp = await client.post(
        "/api/logs/",
        json=[_log(other, "not mine"), _log(run, "too quiet", 10), _log(run, "first"), _log(run, "second")],
    )
    assert resp.status == 201
    received = [await ws.receive_json(timeout=5) for _ in range(2)]
    assert [m["type"] for m in received] == ["log", "log"]
    assert [m["log"]["message"] for m in received] == ["first", "second"]
    assert received[0]["log"]["flow_run_id"] == run and received[0]["log"]["id"]
    await ws.close()


async def test_a_message_other_than_filter_closes_with_1002(client) -> None:
    ws = await client.ws_connect("/api/logs/out", protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": None})
    await ws.receive_json(timeout=5)
    await ws.send_json({"type": "nonsense"})
    msg = await ws.receive(timeout=5)
    assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1002


async def test_an_invalid_filter_closes_with_1002(client) -> None:
    ws = await _subscribe(client, {"level": {"ge_": "loud"}})
    msg = await ws.receive(timeout=5)
    assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1002
    assert "Invalid filter" in (msg.extra or "")


async def test_nothing_is_sent_when_stream_out_is_off(server_env: dict[str, str], aiohttp_client) -> None:
    from prefect_http.app import create_app

    env = {**server_env, "PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED": "false"}
    client = await aiohttp_client(create_app(Settings.from_env(env)))
    run = str(uuid.uuid4())
    ws = await _subscribe(client, {"flow_run_id": {"any_": [run]}})
    assert (await client.post("/api/logs/", json=[_log(run, "unseen")])).status == 201
    with pytest.raises(asyncio.TimeoutError):
        await ws.receive_json(timeout=0.5)
    await ws.close()
