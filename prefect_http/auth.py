"""HTTP Basic authentication of the REST API (`PREFECT_SERVER_API_AUTH_STRING`).

As in the reference: every request under `/api` must carry
`Authorization: Basic base64(<auth string>)`, except `GET /api/health` and
`GET /api/ready` (probes); anything else is answered 401
`{"exception_message": "Unauthorized"}`. The UI's files and `/ui-settings` stay
open, so the browser can load the login page. Websockets authenticate in their
first message instead (`prefect_http/ws/protocol.py`), so upgrades pass here.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from prefect_http.jsonio import respond

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_OPEN_PATHS = frozenset({"/api/health", "/api/ready"})


def matches(secret: str, offered: object) -> bool:
    """Whether `offered` is `secret`, compared in constant time (as bytes: any text)."""
    if not isinstance(offered, str):
        return False
    return hmac.compare_digest(offered.encode("utf-8"), secret.encode("utf-8"))


def _basic_credentials(header: str | None) -> str | None:
    """The decoded credentials of a Basic Authorization header, or None."""
    if header is None:
        return None
    parts = header.split()
    if len(parts) != 2 or parts[0] != "Basic":
        return None
    try:
        return base64.b64decode(parts[1], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _unauthorized() -> web.Response:
    return respond({"exception_message": "Unauthorized"}, status=401)


def auth_middleware(secret: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """A middleware refusing API requests that do not present `secret`."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not (path == "/api" or path.startswith("/api/")):
            return await handler(request)
        if path in _OPEN_PATHS and request.method == "GET":
            return await handler(request)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await handler(request)
        offered = _basic_credentials(request.headers.get("Authorization"))
        if offered is None or not matches(secret, offered):
            return _unauthorized()
        return await handler(request)

    return authenticate
