"""/logs"""

from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter

from prefect_core.schemas.bodies.queries import LogQuery
from prefect_core.schemas.logs import LogCreate
from prefect_http.jsonio import body_as, read_json, respond, validate_as
from prefect_http.keys import SERVICES

routes = web.RouteTableDef()

_LOGS = TypeAdapter(list[LogCreate])


@routes.post("/api/logs/")
async def create_logs(request: web.Request) -> web.Response:
    # NUL is let through here: the service strips it from logs, as the reference does.
    logs = validate_as(_LOGS, await read_json(request, allow_nul=True))
    await request.app[SERVICES].logs.create_many(logs)
    return web.Response(status=201)


@routes.post("/api/logs/filter")
async def filter_logs(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].logs.filter(await body_as(request, LogQuery, default={})))
