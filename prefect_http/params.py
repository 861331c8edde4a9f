"""Path and query parameters."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from prefect_http.jsonio import RequestValidationError


def path_uuid(request: web.Request, name: str = "id") -> UUID:
    """A UUID path segment; anything else is a 404, as the reference's `{id:uuid}` routes."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise web.HTTPNotFound() from None


def query_str(request: web.Request, name: str, *, required: bool = True) -> str | None:
    value = request.query.get(name)
    if value is None and required:
        raise RequestValidationError(
            [{"type": "missing", "loc": ["query", name], "msg": "Field required", "input": None}], None
        )
    return value
