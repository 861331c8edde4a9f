"""/flow_runs/{id}/input"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.flow_run_inputs import FlowRunInputCreate, FlowRunInputQuery
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.params import path_uuid

routes = web.RouteTableDef()


@routes.post("/api/flow_runs/{id}/input")
async def create_flow_run_input(request: web.Request) -> web.Response:
    run_id = path_uuid(request)
    body = await body_as(request, FlowRunInputCreate, default={})
    await request.app[SERVICES].flow_run_inputs.create(run_id, body)
    return respond(None, status=201)


@routes.post("/api/flow_runs/{id}/input/filter")
async def filter_flow_run_input(request: web.Request) -> web.Response:
    run_id = path_uuid(request)
    query = await body_as(request, FlowRunInputQuery, default={})
    return respond(await request.app[SERVICES].flow_run_inputs.filter(run_id, query))


@routes.get("/api/flow_runs/{id}/input/{key}")
async def read_flow_run_input(request: web.Request) -> web.Response:
    item = await request.app[SERVICES].flow_run_inputs.read(path_uuid(request), request.match_info["key"])
    return web.Response(text=item.value, content_type="text/plain", charset="utf-8")


@routes.delete("/api/flow_runs/{id}/input/{key}")
async def delete_flow_run_input(request: web.Request) -> web.Response:
    await request.app[SERVICES].flow_run_inputs.delete(path_uuid(request), request.match_info["key"])
    return no_content()
