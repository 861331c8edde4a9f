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


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def query_bool(request: web.Request, name: str, *, default: bool = False) -> bool:
    """A boolean query parameter as FastAPI reads one (`true`/`1`/`yes`/`on`... in any
    case); anything else is a 422."""
    value = request.query.get(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise RequestValidationError(
        [
            {
                "type": "bool_parsing",
                "loc": ["query", name],
                "msg": "Input should be a valid boolean, unable to interpret input",
                "input": value,
            }
        ],
        None,
    )
