"""One middleware that turns every failure into the reference API's JSON error shape."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from prefect_core import API_VERSION
from prefect_core.errors import DomainError, ObjectNotFound
from prefect_http.jsonio import RequestValidationError, respond

log = logging.getLogger("prefect_http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_DETAIL = {404: "Not Found", 405: "Method Not Allowed", 413: "Request Entity Too Large"}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer failures in the reference's JSON shapes; stamp every answer with the API version."""
    response = await _answer(request, handler)
    if not response.prepared:
        response.headers["x-prefect-api-version"] = API_VERSION
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    if "\x00" in request.path:
        # No name or id holds NUL (bodies with it are refused), and PostgreSQL
        # could not even look one up: nothing is there.
        return respond({"detail": _HTTP_DETAIL[404]}, status=404)
    try:
        return await handler(request)
    except RequestValidationError as exc:
        return respond(
            {
                "exception_message": "Invalid request received.",
                "exception_detail": exc.errors,
                "request_body": exc.body,
            },
            status=422,
        )
    except DomainError as exc:
        if exc.status == 503:
            return respond({"exception_message": "Service Unavailable"}, status=503)
        if isinstance(exc, ObjectNotFound):
            return respond({"exception_message": exc.detail}, status=404)
        response = respond({"detail": exc.detail}, status=exc.status)
        response.headers.update(exc.headers)
        return response
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.status in _HTTP_DETAIL:
            return respond({"detail": _HTTP_DETAIL[exc.status]}, status=exc.status)
        raise
    except OverflowError as exc:
        # Dates and durations the client asked for that no calendar holds (year 10000,
        # a retry delay of 2**62 seconds): the input is at fault, not the server.
        return respond({"detail": f"Value out of range: {exc}"}, status=422)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond({"exception_message": "Internal Server Error"}, status=500)
