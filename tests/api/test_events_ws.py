"""WS /api/events/in and /api/events/out: handshake, ingest, replay then live, shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import aiohttp
import pytest

from prefect_core import timeutil
from prefect_http.app import create_app
from prefect_http.keys import SERVICES

pytestmark = pytest.mark.timeout(60)


def _event(name: str = "test.ws", resource_id: str = "test.r", seconds_ago: float = 1.0) -> dict:
    return {
        "occurred": timeutil.isoformat(timeutil.now() - dt.timedelta(seconds=seconds_ago)),
        "event": name,
        "resource": {"prefect.resource.id": resource_id},
        "id": str(uuid.uuid4()),
    }


async def _open(client, path: str, *, auth: bool = True) -> aiohttp.ClientWebSocketResponse:
    ws = await client.ws_connect(path, protocols=("prefect",))
    assert ws.protocol == "prefect"
    if auth:
        await ws.send_json({"type": "auth", "token": None})
        assert await ws.receive_json(timeout=5) == {"type": "auth_success"}
    return ws


async def _stored_ids(client, **filter) -> list[str]:
    page = await (await client.post("/api/events/filter", json={"filter": {"order": "ASC", **filter}})).json()
    return [e["id"] for e in page["events"]]


async def _eventually(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_auth_handshake_then_events_are_stored(client) -> None:
    ws = await _open(client, "/api/events/in")
    events = [_event(seconds_ago=3 - i) for i in range(3)]
    await ws.send_json(events[0])
    await ws.send_str("{not json")  # skipped, the socket stays open
    await ws.send_json({"event": "missing fields"})
    for e in events[1:]:
        await ws.send_json(e)

    async def all_stored() -> bool:
        return await _stored_ids(client) == [e["id"] for e in events]

    await _eventually(all_stored)
    assert not ws.closed
    await ws.close()


async def test_the_first_message_must_be_auth(client) -> None:
    ws = await client.ws_connect("/api/events/in", protocols=("prefect",))
    await ws.send_json({"type": "filter"})
    msg = await ws.receive(timeout=5)
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1008


async def test_a_client_without_the_subprotocol_skips_the_handshake(client) -> None:
    ws = await client.ws_connect("/api/events/in")
    e = _event()
    await ws.send_json(e)

    async def stored() -> bool:
        return await _stored_ids(client) == [e["id"]]

    await _eventually(stored)
    await ws.close()


async def test_out_replays_stored_events_then_streams_live_ones(client) -> None:
    old = [_event("prefect.task-run.Completed", f"prefect.task-run.{i}", seconds_ago=30 - i) for i in range(3)]
    other = _event("prefect.task-run.Running", "prefect.task-run.x", seconds_ago=20)
    await client.post("/api/events", json=[*old, other])
    await client.app[SERVICES].events.flush()

    ws = await _open(client, "/api/events/out")
    since = timeutil.isoformat(timeutil.now() - dt.timedelta(minutes=1))
    until = timeutil.isoformat(timeutil.now() + dt.timedelta(days=365))
    await ws.send_json(
        {
            "type": "filter",
            "filter": {"event": {"name": ["prefect.task-run.Completed"]}, "occurred": {"since": since, "until": until}},
        }
    )
    replayed = [await ws.receive_json(timeout=5) for _ in old]
    assert all(m["type"] == "event" for m in replayed)
    assert [m["event"]["id"] for m in replayed] == [e["id"] for e in old]

    # live: sent through /events/in by another client
    live = [
        _event("prefect.task-run.Completed", "prefect.task-run.9", seconds_ago=0.5),
        _event("prefect.task-run.Running", "prefect.task-run.9", seconds_ago=0.4),
    ]
    ws_in = await _open(client, "/api/events/in")
    for e in live:
        await ws_in.send_json(e)
    msg = await ws.receive_json(timeout=5)
    assert msg["event"]["id"] == live[0]["id"] and msg["event"]["received"]
    # a redelivered event is neither stored nor streamed twice
    await ws_in.send_json(live[0])
    await ws_in.send_json(old[0])
    with pytest.raises(asyncio.TimeoutError):
        await ws.receive_json(timeout=0.6)
    await ws_in.close()
    await ws.close()


async def test_out_without_backfill_streams_only_new_events(client) -> None:
    await client.post("/api/events", json=[_event("no.backfill")])
    await client.app[SERVICES].events.flush()
    ws = await _open(client, "/api/events/out")
    await ws.send_json(
        {
            "type": "filter",
            "backfill": False,
            "filter": {
                "event": {"prefix": ["no."]},
                "occurred": {"until": timeutil.isoformat(timeutil.now() + dt.timedelta(days=1))},
            },
        }
    )
    fresh = _event("no.backfill.2", seconds_ago=0)
    await asyncio.sleep(0.05)  # let the server subscribe
    await client.post("/api/events", json=[fresh])
    assert (await ws.receive_json(timeout=5))["event"]["id"] == fresh["id"]
    await ws.close()


@pytest.mark.parametrize(
    "message",
    [{"type": "subscribe"}, {"type": "filter", "filter": {"nonsense": True}}],
)
async def test_out_needs_a_valid_filter_message(client, message) -> None:
    ws = await _open(client, "/api/events/out")
    await ws.send_json(message)
    msg = await ws.receive(timeout=5)
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1002


async def test_a_disconnecting_subscriber_is_cleaned_up(client) -> None:
    broker = client.app[SERVICES].event_service.broker
    ws = await _open(client, "/api/events/out")
    await ws.send_json({"type": "filter", "filter": {}})

    async def subscribed() -> bool:
        return broker.subscriber_count == 1

    async def unsubscribed() -> bool:
        return broker.subscriber_count == 0

    await _eventually(subscribed)
    await ws.close()
    await _eventually(unsubscribed)


async def test_shutdown_closes_subscribers_and_flushes_buffered_events(settings, aiohttp_client) -> None:
    slow = settings.model_copy(update={"event_flush_interval": 3600.0})
    client = await aiohttp_client(create_app(slow))
    out = await _open(client, "/api/events/out")
    await out.send_json({"type": "filter", "filter": {}})
    ws = await _open(client, "/api/events/in")
    events = [_event(seconds_ago=2 - i) for i in range(2)]
    for e in events:
        await ws.send_json(e)

    pipeline = client.app[SERVICES].events

    async def buffered() -> bool:
        return pipeline.pending == 2

    await _eventually(buffered)
    await asyncio.wait_for(client.close(), timeout=20)
    msg = await out.receive(timeout=5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)

    again = await aiohttp_client(create_app(slow))
    assert await _stored_ids(again) == [e["id"] for e in events]
