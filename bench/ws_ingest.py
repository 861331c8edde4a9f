"""Event ingestion over WS /api/events/in, and how fast the server persists what it received.

Each client opens the socket with subprotocol "prefect", sends {"type":"auth","token":null},
expects {"type":"auth_success"}, then streams raw event objects for the phase's duration.
Afterwards the harness polls POST /api/events/filter until the count of this phase's events
stops growing (or reaches the number sent): persisted events / seconds from the first send to
the last observed increase is the persisted rate.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp

from bench.history import client_event_id
from bench.prepare import count_events

SNDBUF = 64 * 1024
AUTH = json.dumps({"type": "auth", "token": None})


def _event(name: str, n: int, occurred: datetime) -> str:
    return (
        '{"id":"%s","occurred":"%s","event":"%s","resource":{"prefect.resource.id":"bench.r.%d"},'  # noqa: UP031 (JSON braces read better with %)
        '"related":[],"payload":{}}' % (client_event_id(occurred), occurred.isoformat(), name, n)
    )


def _bump(counters: dict, kind: str) -> None:
    counters["errors"][kind] = counters["errors"].get(kind, 0) + 1


async def _stream(ws: aiohttp.ClientWebSocketResponse, name: str, stop_at: float, counters: dict, offset: int) -> None:
    n = offset
    while time.monotonic() < stop_at and not ws.closed:
        occurred = datetime.now(UTC)
        for _ in range(50):
            counters["sent"] += 1  # counted first: a send cancelled at the deadline was written
            await ws.send_str(_event(name, n, occurred))
            n += 1


async def _client(ws_url: str, name: str, stop_at: float, counters: dict, offset: int, close_s: float = 10.0) -> None:
    """One socket: auth, stream until `stop_at`, then close (abandoned after `close_s`)."""
    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(
            ws_url, protocols=("prefect",), heartbeat=None, timeout=aiohttp.ClientWSTimeout(ws_close=close_s)
        )
        sock = ws.get_extra_info("socket")
        if sock is not None:  # keep the backlog between client and server small
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
        await ws.send_str(AUTH)
        reply = await asyncio.wait_for(ws.receive(), timeout=10)
        if reply.type != aiohttp.WSMsgType.TEXT or json.loads(reply.data).get("type") != "auth_success":
            _bump(counters, "auth")
            return
        try:  # a send blocked by a server that stopped reading ends at the deadline too
            await asyncio.wait_for(
                _stream(ws, name, stop_at, counters, offset), timeout=max(0.0, stop_at - time.monotonic())
            )
        except TimeoutError:
            pass
        try:
            await asyncio.wait_for(ws.close(), timeout=close_s)
        except TimeoutError:
            counters["abandoned"] += 1  # the server had not read the backlog in close_s
    except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
        _bump(counters, type(exc).__name__)
    finally:
        await session.close()


async def ingest(base: str, clients: int, duration: float, settle_s: float = 8.0) -> dict:
    """Stream events from `clients` sockets for `duration` seconds; return sent and persisted rates.

    `sent` counts events handed to the sockets before the deadline (the client socket's send
    buffer is kept small so little is in flight then); `duration_s` runs until the sockets were
    closed, i.e. until the server had read what was buffered, or until a socket whose close took
    over 10 s was abandoned (`abandoned_sockets`: not an error, but its unread events count as
    not persisted). Polling stops when all sent events are persisted or the count, once above 0,
    has not grown for `settle_s` (the reference flushes its event persister every few seconds),
    at most max(60, 10 x duration) seconds, so the next phase starts on a drained server.
    """
    max_wait_s = max(60.0, 10 * duration)
    name = f"bench.event.c{clients}.{uuid.uuid4().hex[:8]}"
    ws_url = base.replace("http://", "ws://", 1) + "/events/in"
    since = datetime.now(UTC) - timedelta(minutes=1)
    counters: dict = {"sent": 0, "abandoned": 0, "errors": {}}
    start = time.monotonic()
    tasks = [
        asyncio.wait_for(_client(ws_url, name, start + duration, counters, i * 10_000_000), timeout=duration + 60)
        for i in range(clients)
    ]
    for res in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(res, BaseException):
            kind = type(res).__name__
            counters["errors"][kind] = counters["errors"].get(kind, 0) + 1
    sent_s = time.monotonic() - start
    persisted, last_change = 0, time.monotonic()  # settle_s counts only once something persisted
    poll_deadline = time.monotonic() + max_wait_s
    while time.monotonic() < poll_deadline:
        try:
            now_count = await count_events(base, name, since)
        except RuntimeError as exc:
            counters["errors"]["count"] = str(exc)[:200]
            break
        if now_count > persisted:
            persisted, last_change = now_count, time.monotonic()
        if persisted >= counters["sent"] or (persisted and time.monotonic() - last_change > settle_s):
            break
        await asyncio.sleep(0.25)
    persist_s = max(last_change - start, 1e-9)
    lost = max(counters["sent"] - persisted, 0)
    if lost:
        counters["errors"]["not_persisted"] = lost  # e.g. the reference drops when its queue is full
    return {
        "ok": persisted,
        "sent": counters["sent"],
        "duration_s": round(sent_s, 3),
        "persist_s": round(persist_s, 3),
        "ok_rps": round(persisted / persist_s, 1) if persisted else 0.0,
        "sent_rps": round(counters["sent"] / sent_s, 1),
        "lost": lost,
        "abandoned_sockets": counters["abandoned"],
        "drained": persisted >= counters["sent"] or bool(persisted and time.monotonic() - last_change > settle_s),
        "errors": counters["errors"],
        "error_count": sum(v for v in counters["errors"].values() if isinstance(v, int)),
        "generator": "python-aiohttp-ws",
    }


def run_ingest(base: str, clients: int, duration: float) -> dict:
    """Synchronous wrapper around `ingest`."""
    return asyncio.run(ingest(base, clients, duration))
