"""WS /api/logs/out: live logs, filtered.

After the `prefect` handshake the client sends `{"type": "filter", "filter": <LogFilter>}`;
the server then sends `{"type": "log", "log": {...}}` for each matching log stored from
then on (no backfill). With PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED off (the default)
the socket is served but sends nothing, as the reference's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import WSCloseCode, web

from prefect_core.schemas.filters.logs import LogFilter
from prefect_core.schemas.logs import Log
from prefect_http.keys import SERVICES, SETTINGS
from prefect_http.ws.protocol import accept, receive_filter

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


async def _send_all(ws: web.WebSocketResponse, stream: AsyncIterator[Log]) -> None:
    async for item in stream:
        await ws.send_str('{"type":"log","log":' + item.model_dump_json() + "}")


async def _drain(ws: web.WebSocketResponse) -> None:
    async for _ in ws:
        pass


@routes.get("/api/logs/out")
async def logs_out(request: web.Request) -> web.WebSocketResponse:
    ws, ok = await accept(request)
    if not ok:
        return ws
    received = await receive_filter(ws, LogFilter)
    if received is None:
        return ws
    flt, _ = received
    if not request.app[SETTINGS].logs_stream_out_enabled:
        await _drain(ws)
        return ws
    async with request.app[SERVICES].logs.stream.subscribe(flt) as stream:
        sender = asyncio.create_task(_send_all(ws, stream))
        reader = asyncio.create_task(_drain(ws))
        try:
            await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, reader):
                task.cancel()
            results = await asyncio.gather(sender, reader, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception) and not isinstance(result, ConnectionError | asyncio.CancelledError):
                log.warning("log subscriber ended with an error: %r", result)
    if not ws.closed:
        # Dropped for falling behind: a non-1000 code makes the client reconnect.
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"subscription ended; reconnect")
    return ws
