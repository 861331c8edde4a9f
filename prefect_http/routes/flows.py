"""/flows"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.queries import FlowPage, FlowQuery, RunFilterBody
from prefect_core.schemas.flows import Flow, FlowCreate, FlowUpdate
from prefect_http.jsonio import body_as, no_content, respond, respond_documents
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid

routes = web.RouteTableDef()


@routes.post("/api/flows/")
@describe(body=FlowCreate, response=Flow, status=201)
async def create_flow(request: web.Request) -> web.Response:
    flow, created = await request.app[SERVICES].flows.create(await body_as(request, FlowCreate))
    return respond(flow, status=201 if created else 200)


@routes.get("/api/flows/name/{name}")
@describe(response=Flow)
async def read_flow_by_name(request: web.Request) -> web.Response:
    return respond_documents(await request.app[SERVICES].flows.read_document_by_name(request.match_info["name"]))


@routes.post("/api/flows/filter")
@describe(body=FlowQuery, response=list[Flow])
async def filter_flows(request: web.Request) -> web.Response:
    query = await body_as(request, FlowQuery, default={})
    return respond_documents(await request.app[SERVICES].flows.filter_documents(query))


@routes.post("/api/flows/count")
@describe(body=RunFilterBody, response=int)
async def count_flows(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].flows.count(await body_as(request, RunFilterBody, default={})))


@routes.post("/api/flows/paginate")
async def paginate_flows(request: web.Request) -> web.Response:
    return respond_documents(await request.app[SERVICES].flows.paginate(await body_as(request, FlowPage, default={})))


@routes.get("/api/flows/{id}")
@describe(response=Flow)
async def read_flow(request: web.Request) -> web.Response:
    return respond_documents(await request.app[SERVICES].flows.read_document(path_uuid(request)))


@routes.patch("/api/flows/{id}")
@describe(body=FlowUpdate, status=204)
async def update_flow(request: web.Request) -> web.Response:
    flow_id = path_uuid(request)
    await request.app[SERVICES].flows.update(flow_id, await body_as(request, FlowUpdate))
    return no_content()


@routes.delete("/api/flows/{id}")
@describe(status=204)
async def delete_flow(request: web.Request) -> web.Response:
    await request.app[SERVICES].flows.delete(path_uuid(request))
    return no_content()
