"""WS /api/work_pools/{name}/workers/connect: the worker channel (see
`prefect_core.schemas.worker_channel`)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from pydantic import ValidationError

from prefect_core.schemas.worker_channel import (
    CHANNEL_VERSION,
    CLOSE_CODES,
    HeartbeatPayload,
    HelloFrame,
    ready_frame,
    snapshot_frame,
)
from prefect_core.services.workers import ChannelRefused
from prefect_http.jsonio import dumps
from prefect_http.keys import SERVICES
from prefect_http.ws.protocol import accept, receive_json

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: How often the channel looks for pool changes to push to the worker.
SNAPSHOT_CHECK_SECONDS = 5.0


async def _close(ws: web.WebSocketResponse, reason: str) -> web.WebSocketResponse:
    await ws.close(code=CLOSE_CODES[reason], message=reason.encode())
    return ws


@routes.get("/api/work_pools/{name}/workers/connect")
async def worker_channel(request: web.Request) -> web.WebSocketResponse:
    ws, ok = await accept(request, failure_reason="authentication_failed", require_subprotocol=True)
    if not ok:
        return ws
    try:
        hello = HelloFrame.model_validate(await receive_json(ws)).payload
    except (ValueError, ValidationError):
        return await _close(ws, "protocol_error")
    if CHANNEL_VERSION not in hello.supported_channel_versions:
        return await _close(ws, "unsupported_version")
    workers = request.app[SERVICES].workers
    try:
        pool, queues = await workers.channel_hello(request.match_info["name"], hello.model_dump(mode="json"))
    except ChannelRefused as exc:
        log.debug("worker channel refused: %s", exc)
        return await _close(ws, exc.reason)
    except Exception:
        log.exception("worker channel setup failed")
        return await _close(ws, "transient_server_error")
    await ws.send_str(dumps(ready_frame(hello, pool, queues)).decode())
    sequence, seen = 1, pool.updated
    incoming = asyncio.ensure_future(receive_json(ws))
    try:
        while True:
            done, _ = await asyncio.wait({incoming}, timeout=SNAPSHOT_CHECK_SECONDS)
            if not done:
                current = await workers.pool_snapshot(pool.id)
                if current is None:
                    return await _close(ws, "authorization_failed")
                if current.updated != seen:
                    sequence, seen = sequence + 1, current.updated
                    await ws.send_str(dumps(snapshot_frame(current, sequence)).decode())
                continue
            message = incoming.result()
            if message is None:
                return ws
            incoming = asyncio.ensure_future(receive_json(ws))
            if isinstance(message, dict) and message.get("type") == "worker.heartbeat.v1":
                beat = HeartbeatPayload.model_validate(message.get("payload"))
                if not await workers.channel_heartbeat(pool.id, beat.worker_name, beat.heartbeat_interval_seconds):
                    return await _close(ws, "authorization_failed")
    except (ValueError, ValidationError):
        return await _close(ws, "protocol_error")
    except ConnectionError:
        return ws
    finally:
        if not incoming.done():
            incoming.cancel()
