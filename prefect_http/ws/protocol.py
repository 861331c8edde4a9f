"""The `prefect` WebSocket subprotocol: accept, authenticate, track, close on shutdown.

Every Prefect socket opens the same way: the client offers subprotocol
`prefect`, sends `{"type": "auth", "token": ...}` first, and the server answers
`{"type": "auth_success"}`. With `PREFECT_SERVER_API_AUTH_STRING` set, the
token must be that string (compared in constant time), or the socket is closed
with 1008 (policy violation). A client that offers no subprotocol is an old one:
it is accepted without the handshake when no auth string is configured, and
refused (403, before the upgrade) when one is, as the reference does.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any, TypeVar

import orjson
from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import BaseModel, ValidationError

from prefect_http.auth import matches
from prefect_http.keys import SETTINGS

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


F = TypeVar("F", bound=BaseModel)


async def receive_filter(ws: web.WebSocketResponse, model: type[F]) -> tuple[F, dict[str, Any]] | None:
    """The subscriber's `{"type": "filter", "filter": {...}}` message, its filter parsed as
    `model`; None when the client went away or the socket was closed with 1002 for a
    message that is not such a filter (the reference's reasons)."""
    try:
        message = await receive_json(ws)
    except ValueError:
        message = {}
    if message is None:
        return None
    if not isinstance(message, dict) or message.get("type") != "filter":
        await ws.close(code=WSCloseCode.PROTOCOL_ERROR, message=b"Expected 'filter' message")
        return None
    try:
        parsed = model.model_validate(message.get("filter") or {})
    except ValidationError as exc:
        await ws.close(code=WSCloseCode.PROTOCOL_ERROR, message=f"Invalid filter: {exc}"[:120].encode())
        return None
    return parsed, message


def install(app: web.Application) -> None:
    """Prepare `app` to track its sockets and close them on shutdown."""
    app[OPEN_SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(close_open_sockets)


def _track(request: web.Request, ws: web.WebSocketResponse) -> None:
    sockets = request.app.get(OPEN_SOCKETS)
    if sockets is not None:
        sockets.add(ws)


def _auth_string(request: web.Request) -> str | None:
    secret = request.app[SETTINGS].api_auth_string
    return None if secret is None else secret.get_secret_value()


async def accept(
    request: web.Request, *, failure_reason: str | None = None, require_subprotocol: bool = False
) -> tuple[web.WebSocketResponse, bool]:
    """Upgrade the request and run the auth handshake.

    Returns the socket and whether the caller may go on; when False the socket
    is closed already and the handler should just return it. `failure_reason`
    replaces the close reason of a failed handshake (the worker channel's
    `authentication_failed`); `require_subprotocol` refuses legacy clients even
    without an auth string (the worker channel is new: it has none)."""
    secret = _auth_string(request)
    ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,), heartbeat=HEARTBEAT)
    if (secret is not None or require_subprotocol) and ws.can_prepare(request).protocol != SUBPROTOCOL:
        log.warning("websocket refused: 'prefect' subprotocol required")
        raise web.HTTPForbidden()
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
        await _refuse(ws, failure_reason or "Expected 'auth' message")
        return ws, False
    if secret is not None:
        token = message.get("token")
        if not token:
            await _refuse(ws, failure_reason or "Auth required but no token provided")
            return ws, False
        if not matches(secret, token):
            log.warning("websocket closed: invalid token")
            await _refuse(ws, failure_reason or "Invalid token")
            return ws, False
    await ws.send_str(_AUTH_SUCCESS)
    return ws, True


async def _refuse(ws: web.WebSocketResponse, reason: str) -> None:
    await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=reason.encode())


async def close_open_sockets(app: web.Application) -> None:
    """on_shutdown: close every open socket ("service restart") so clients reconnect
    and handlers return, instead of shutdown waiting for them."""
    for ws in list(app.get(OPEN_SOCKETS, ())):
        if not ws.closed:
            try:
                await ws.close(code=WSCloseCode.SERVICE_RESTART, message=b"server shutting down")
            except Exception:  # a socket dying as we close it is fine
                log.debug("error closing a websocket at shutdown", exc_info=True)
