"""WS /api/task_runs/subscriptions/scheduled: task workers take background task runs.

After the `prefect` handshake the worker sends `{"type": "subscribe", "keys":
[...], "client_id": ...}`; the server then sends one full TaskRun JSON at a
time and waits for `{"type": "ack"}` before the next. A run whose worker
disconnects before acknowledging it is queued again for another worker.
"""

from __future__ import annotations

import logging

from aiohttp import WSCloseCode, web

from prefect_http.keys import SERVICES
from prefect_http.ws.protocol import accept, receive_json

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: How often an idle subscription checks that its worker is still there.
IDLE_CHECK_SECONDS = 1.0


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
    while not ws.closed:
        run = await queues.next_run(keys, timeout=IDLE_CHECK_SECONDS)
        if run is None:
            continue
        acknowledged = False
        try:
            await ws.send_str(run.model_dump_json())
            reply = await receive_json(ws)
            if isinstance(reply, dict) and reply.get("type") == "ack":
                acknowledged = True
                queues.acknowledge(run)
                continue
            if isinstance(reply, dict) and reply.get("type") == "quit":
                await ws.close()
                break
            if reply is not None:
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"Protocol violation: expected 'ack' message")
            break
        except (ConnectionError, ValueError, RuntimeError):
            break
        finally:
            if not acknowledged:
                queues.redeliver(run)
    return ws
