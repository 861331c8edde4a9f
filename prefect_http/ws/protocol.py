"""The `prefect` WebSocket subprotocol: accept, authenticate, track, close on shutdown.

Every Prefect socket opens the same way: the client offers subprotocol
`prefect`, sends `{"type": "auth", "token": ...}` first, and the server answers
`{"type": "auth_success"}`. A client that offers no subprotocol is an old one:
it is accepted without the handshake, as the reference does when no auth
string is configured (this server has none).
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

import orjson
from aiohttp import WSCloseCode, WSMsgType, web

log = logging.getLogger(__name__)

SUBPROTOCOL = "prefect"
#: Seconds between the server's pings; a client that misses the pong is dropped,
#: so a vanished subscriber does not hold its subscription forever.
HEARTBEAT = 30.0
_AUTH_SUCCESS = '{"type":"auth_success"}'

#: Open sockets, so that shutdown can close them instead of waiting on them.
OPEN_SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("open_websockets", weakref.WeakSet)

_DONE = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


async def receive_json(ws: web.WebSocketResponse) -> Any | None:
    """The next JSON message; None when the client went away.

    Raises ValueError for a frame that is not JSON."""
    msg = await ws.receive()
    if msg.type in _DONE:
        return None
    if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        raise ValueError(f"unexpected websocket frame {msg.type!r}")
    return orjson.loads(msg.data)


def install(app: web.Application) -> None:
    """Prepare `app` to track its sockets and close them on shutdown."""
    app[OPEN_SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(close_open_sockets)


def _track(request: web.Request, ws: web.WebSocketResponse) -> None:
    sockets = request.app.get(OPEN_SOCKETS)
    if sockets is not None:
        sockets.add(ws)


async def accept(request: web.Request) -> tuple[web.WebSocketResponse, bool]:
    """Upgrade the request and run the auth handshake.

    Returns the socket and whether the caller may go on; when False the socket
    is closed already and the handler should just return it."""
    ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,), heartbeat=HEARTBEAT)
    await ws.prepare(request)
    _track(request, ws)
    if ws.ws_protocol != SUBPROTOCOL:
        log.debug("accepting a websocket in legacy mode (no 'prefect' subprotocol)")
        return ws, True
    try:
        message = await receive_json(ws)
    except ValueError:
        message = {}
    if message is None:
        return ws, False
    if not isinstance(message, dict) or message.get("type") != "auth":
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"Expected 'auth' message")
        return ws, False
    # No server-side auth string is supported, so any token (or none) is accepted.
    await ws.send_str(_AUTH_SUCCESS)
    return ws, True


async def close_open_sockets(app: web.Application) -> None:
    """on_shutdown: close every open socket ("service restart") so clients reconnect
    and handlers return, instead of shutdown waiting for them."""
    for ws in list(app.get(OPEN_SOCKETS, ())):
        if not ws.closed:
            try:
                await ws.close(code=WSCloseCode.SERVICE_RESTART, message=b"server shutting down")
            except Exception:  # a socket dying as we close it is fine
                log.debug("error closing a websocket at shutdown", exc_info=True)
