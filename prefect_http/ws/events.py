"""WS /api/events/in and WS /api/events/out"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import ValidationError

from prefect_core.schemas.event_filters import EventFilter
from prefect_core.schemas.events import ClientEvent, Event
from prefect_http.keys import SERVICES
from prefect_http.ws.protocol import accept, receive_filter

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


@routes.get("/api/events/in")
async def events_in(request: web.Request) -> web.WebSocketResponse:
    """Clients stream raw event JSON objects; nothing is sent back.

    A malformed event is logged and skipped: one bad event must not cost the
    client its connection (and with it the events it has not confirmed yet).
    """
    ws, ok = await accept(request)
    if not ok:
        return ws
    service = request.app[SERVICES].event_service
    async for msg in ws:
        if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            continue
        try:
            event = ClientEvent.model_validate_json(msg.data)
        except ValidationError as exc:
            log.warning("skipping an invalid event from %s: %s", request.remote, exc)
            continue
        await service.ingest([event])
    return ws


def _frame(event: Event) -> str:
    return '{"type":"event","event":' + event.model_dump_json() + "}"


async def _send_all(ws: web.WebSocketResponse, stream: AsyncIterator[Event]) -> None:
    async for event in stream:
        await ws.send_str(_frame(event))


async def _drain(ws: web.WebSocketResponse) -> None:
    """Read (and ignore) until the client closes; aiohttp answers pings meanwhile."""
    async for _ in ws:
        pass


@routes.get("/api/events/out")
async def events_out(request: web.Request) -> web.WebSocketResponse:
    """After auth the client sends `{"type": "filter", "filter": {...}}` (and
    optionally `"backfill": false`); the server replays matching stored events
    since the filter's `occurred.since`, then streams live ones, each as
    `{"type": "event", "event": {...}}`."""
    ws, ok = await accept(request)
    if not ok:
        return ws
    received = await receive_filter(ws, EventFilter)
    if received is None:
        return ws
    filter, message = received

    service = request.app[SERVICES].event_service
    async with service.subscribe(filter, backfill=bool(message.get("backfill", True))) as stream:
        sender = asyncio.create_task(_send_all(ws, stream))
        reader = asyncio.create_task(_drain(ws))
        try:
            await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, reader):
                task.cancel()
            results = await asyncio.gather(sender, reader, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception) and not isinstance(result, (ConnectionError, asyncio.CancelledError)):
                log.warning("event subscriber ended with an error: %r", result)
    if not ws.closed:
        # The stream ended under a connected client: it fell behind or the broker
        # closed. A non-1000 code makes the client reconnect and replay.
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"subscription ended; reconnect")
    return ws
