"""/variables"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.variables import VariableCount, VariableQuery
from prefect_core.schemas.variables import Variable, VariableCreate, VariableUpdate
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid

routes = web.RouteTableDef()

_TAGS = ("Variables",)


@routes.post("/api/variables/")
@describe(body=VariableCreate, response=Variable, status=201, tags=_TAGS, errors={409: "Name already taken"})
async def create_variable(request: web.Request) -> web.Response:
    body = await body_as(request, VariableCreate)
    return respond(await request.app[SERVICES].variables.create(body), status=201)


@routes.post("/api/variables/filter")
@describe(body=VariableQuery, response=list[Variable], tags=_TAGS)
async def filter_variables(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].variables.filter(await body_as(request, VariableQuery, default={})))


@routes.post("/api/variables/count")
@describe(body=VariableCount, response=int, tags=_TAGS)
async def count_variables(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].variables.count(await body_as(request, VariableCount, default={})))


@routes.get("/api/variables/name/{name}")
@describe(response=Variable, tags=_TAGS, errors={404: "Variable not found."})
async def read_variable_by_name(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].variables.read_by_name(request.match_info["name"]))


@routes.patch("/api/variables/name/{name}")
@describe(body=VariableUpdate, status=204, tags=_TAGS, errors={404: "Variable not found."})
async def update_variable_by_name(request: web.Request) -> web.Response:
    body = await body_as(request, VariableUpdate)
    await request.app[SERVICES].variables.update_by_name(request.match_info["name"], body)
    return no_content()


@routes.delete("/api/variables/name/{name}")
@describe(status=204, tags=_TAGS, errors={404: "Variable not found."})
async def delete_variable_by_name(request: web.Request) -> web.Response:
    await request.app[SERVICES].variables.delete_by_name(request.match_info["name"])
    return no_content()


@routes.get("/api/variables/{id}")
@describe(response=Variable, tags=_TAGS, errors={404: "Variable not found."})
async def read_variable(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].variables.read(path_uuid(request)))


@routes.patch("/api/variables/{id}")
@describe(body=VariableUpdate, status=204, tags=_TAGS, errors={404: "Variable not found."})
async def update_variable(request: web.Request) -> web.Response:
    variable_id = path_uuid(request)
    await request.app[SERVICES].variables.update(variable_id, await body_as(request, VariableUpdate))
    return no_content()


@routes.delete("/api/variables/{id}")
@describe(status=204, tags=_TAGS, errors={404: "Variable not found."})
async def delete_variable(request: web.Request) -> web.Response:
    await request.app[SERVICES].variables.delete(path_uuid(request))
    return no_content()
