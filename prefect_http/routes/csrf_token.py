"""/csrf-token"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from prefect_core.schemas.csrf_tokens import MAX_CLIENT_LENGTH, CsrfToken
from prefect_http.csrf import plausible_client
from prefect_http.jsonio import RequestValidationError, respond
from prefect_http.keys import SERVICES, SETTINGS
from prefect_http.openapi import describe
from prefect_http.params import query_str

routes = web.RouteTableDef()


class CsrfTokenQuery(BaseModel):
    client: str = Field(description="The client to create a CSRF token for", max_length=MAX_CLIENT_LENGTH)


@routes.get("/api/csrf-token")
@describe(query=CsrfTokenQuery, response=CsrfToken, errors={422: "CSRF protection is disabled"})
async def create_csrf_token(request: web.Request) -> web.Response:
    """Create or replace the CSRF token of a client."""
    client = query_str(request, "client") or ""
    if not plausible_client(client):
        raise RequestValidationError(
            [
                {
                    "type": "string_too_long",
                    "loc": ["query", "client"],
                    "input": client[:MAX_CLIENT_LENGTH],
                    "msg": f"String should have at most {MAX_CLIENT_LENGTH} characters and no NUL",
                    "ctx": {"max_length": MAX_CLIENT_LENGTH},
                }
            ],
            None,
        )
    if not request.app[SETTINGS].csrf_protection_enabled:
        return respond({"detail": "CSRF protection is disabled."}, status=422)
    return respond(await request.app[SERVICES].csrf_tokens.issue(client))
