"""WS /api/task_runs/subscriptions/scheduled: task workers take background task runs.

After the `prefect` handshake the worker sends `{"type": "subscribe", "keys":
[...], "client_id": ...}`; the server then sends one full TaskRun JSON at a
time and waits for `{"type": "ack"}` before the next. A run whose worker
disconnects before acknowledging it is queued again for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web

from prefect_core.services.task_workers import TaskWorkerService
from prefect_http.keys import SERVICES
from prefect_http.ws.protocol import accept, receive_json

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: How long one wait for a run lasts before it starts over (bounds every wait).
IDLE_WAIT_SECONDS = 30.0


async def _violation(ws: web.WebSocketResponse, reason: str) -> web.WebSocketResponse:
    await ws.close(code=4001, message=f"Protocol violation: {reason}".encode())
    return ws


@routes.get("/api/task_runs/subscriptions/scheduled")
async def scheduled_task_subscription(request: web.Request) -> web.WebSocketResponse:
    ws, ok = await accept(request)
    if not ok:
        return ws
    try:
        subscription = await receive_json(ws)
    except ValueError:
        return await _violation(ws, "expected 'subscribe' message")
    if subscription is None:
        return ws
    if not isinstance(subscription, dict) or subscription.get("type") != "subscribe":
        return await _violation(ws, "expected 'subscribe' message")
    keys = subscription.get("keys") or []
    if not keys:
        return await _violation(ws, "expected 'keys' in subscribe message")
    if not subscription.get("client_id"):
        return await _violation(ws, "expected 'client_id' in subscribe message")

    queues = request.app[SERVICES].task_workers
    await queues.restore(keys)
    log.info("task worker %r subscribed to %r", subscription["client_id"], keys)
    tracker = request.app[SERVICES].task_worker_tracker
    tracker.observe(str(subscription["client_id"]), [str(key) for key in keys])
    try:
        await _serve(ws, queues, keys)
    finally:
        tracker.forget(str(subscription["client_id"]))
    return ws


async def _serve(ws: web.WebSocketResponse, queues: TaskWorkerService, keys: list[str]) -> None:
    """Hand out runs one at a time until the worker leaves. The socket is read at all
    times (one pending receive), so a worker closing while idle is noticed at once."""
    incoming: asyncio.Future[Any] | None = None
    try:
        while True:
            if incoming is None:
                incoming = asyncio.ensure_future(receive_json(ws))
            waiting = asyncio.ensure_future(queues.next_run(keys, timeout=IDLE_WAIT_SECONDS))
            await asyncio.wait({incoming, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if incoming.done():
                waiting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    leftover = await waiting
                    if leftover is not None:
                        queues.redeliver(leftover)
                await _after_unexpected(ws, incoming)
                return
            run = waiting.result()
            if run is None:
                continue
            acknowledged = False
            try:
                await ws.send_str(run.model_dump_json())
                reply = await incoming
                incoming = None
                if isinstance(reply, dict) and reply.get("type") == "ack":
                    acknowledged = True
                    queues.acknowledge(run)
                    continue
                if isinstance(reply, dict) and reply.get("type") == "quit":
                    await ws.close()
                elif reply is not None:
                    await ws.close(code=4001, message=b"Protocol violation: expected 'ack' message")
                return
            finally:
                if not acknowledged:
                    queues.redeliver(run)
    except (ConnectionError, ValueError, RuntimeError):
        return
    finally:
        if incoming is not None and not incoming.done():
            incoming.cancel()


async def _after_unexpected(ws: web.WebSocketResponse, incoming: asyncio.Future[Any]) -> None:
    """The worker spoke (or left) while no run was out: quit and close end it quietly."""
    try:
        message = incoming.result()
    except ValueError:
        message = {}
    if message is None:
        return
    if isinstance(message, dict) and message.get("type") == "quit":
        await ws.close()
        return
    await ws.close(code=4001, message=b"Protocol violation: expected 'ack' message")
