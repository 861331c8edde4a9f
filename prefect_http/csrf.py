"""CSRF protection (`PREFECT_SERVER_CSRF_PROTECTION_ENABLED=true`).

Every POST, PUT, PATCH and DELETE must carry `Prefect-Csrf-Token` and
`Prefect-Csrf-Client` headers naming a valid token issued to that client by
`GET /api/csrf-token?client=...`; otherwise the answer is the reference's 403.
The real client fetches a token before its first state-changing request and
fetches a new one when told the token is invalid.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from prefect_core.schemas.csrf_tokens import MAX_CLIENT_LENGTH
from prefect_http.jsonio import respond
from prefect_http.keys import SERVICES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_HEADER = "Prefect-Csrf-Token"
CLIENT_HEADER = "Prefect-Csrf-Client"


def _forbidden(detail: str, **headers: str) -> web.Response:
    response = respond({"detail": detail}, status=403)
    response.headers.update(headers)
    return response


def plausible_client(client: str) -> bool:
    """A client identifier the table can hold (no NUL, not too long)."""
    return len(client) <= MAX_CLIENT_LENGTH and "\x00" not in client


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse state-changing requests without a valid token for their client."""
    if request.method not in STATE_CHANGING:
        return await handler(request)
    token = request.headers.get(TOKEN_HEADER)
    if token is None:
        return _forbidden("Missing CSRF token.")
    client = request.headers.get(CLIENT_HEADER)
    if client is None:
        return _forbidden("Missing client identifier.")
    if not plausible_client(client) or not await request.app[SERVICES].csrf_tokens.is_valid(client, token):
        return _forbidden("Invalid CSRF token or client identifier.", **{"Access-Control-Allow-Origin": "*"})
    return await handler(request)
