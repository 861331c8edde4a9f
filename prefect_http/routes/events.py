"""/events (REST; the websockets live in prefect_http.ws.events)"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from aiohttp import web
from pydantic import TypeAdapter

from prefect_core.schemas.bodies.events import EventCountable, EventCountBody, EventFilterBody
from prefect_core.schemas.events import ClientEvent, EventPage
from prefect_core.services.events import EventQueryPage, InvalidPageToken
from prefect_http.jsonio import RequestValidationError, body_as, read_json, respond, validate, validate_as
from prefect_http.keys import SERVICES
from prefect_http.params import query_str

routes = web.RouteTableDef()

_EVENTS = TypeAdapter(list[ClientEvent])


def _page(request: web.Request, page: EventQueryPage) -> web.Response:
    next_page = None
    if page.next_token:
        # Encoded once more, as the reference's links are; quoted so `+` survives the query string.
        param = base64.b64encode(page.next_token.encode()).decode()
        next_page = f"{request.url.origin()}/api/events/filter/next?page-token={quote(param, safe='')}"
    return respond(EventPage(events=page.events, total=page.total, next_page=next_page))


@routes.post("/api/events")
async def create_events(request: web.Request) -> web.Response:
    events = validate_as(_EVENTS, await read_json(request))
    await request.app[SERVICES].event_service.ingest(events)
    return web.Response(status=204)


@routes.post("/api/events/filter")
async def read_events(request: web.Request) -> web.Response:
    body = await body_as(request, EventFilterBody, default={})
    page = await request.app[SERVICES].event_service.read(body.filter, body.limit)
    return _page(request, page)


@routes.get("/api/events/filter/next")
async def read_events_page(request: web.Request) -> web.Response:
    param = query_str(request, "page-token") or ""
    try:
        token = base64.b64decode(param.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidPageToken("Forbidden") from None
    if not token:
        raise InvalidPageToken("Forbidden")
    return _page(request, await request.app[SERVICES].event_service.read_next(token))


@routes.post("/api/events/count-by/{countable}")
async def count_events(request: web.Request) -> web.Response:
    data = await read_json(request)
    try:
        countable = validate(EventCountable, {"countable": request.match_info["countable"]}, loc=("path",)).countable
    except RequestValidationError as path_error:
        # As the reference: the path's error and the body's, in one answer.
        try:
            validate(EventCountBody, data)
        except RequestValidationError as body_error:
            raise RequestValidationError(path_error.errors + body_error.errors, data) from None
        raise RequestValidationError(path_error.errors, data) from None
    body = validate(EventCountBody, data)
    counts = await request.app[SERVICES].event_service.count_by(
        countable, body.filter, body.time_unit, body.time_interval
    )
    return respond(counts)
