"""/block_schemas and /block_capabilities."""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.blocks import BlockSchema, BlockSchemaCreate
from prefect_core.schemas.bodies.blocks import BlockSchemaFilterBody, SchemaVersion
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid

routes = web.RouteTableDef()

_PREFIX = "/api/block_schemas"


@routes.post(f"{_PREFIX}/")
@describe(body=BlockSchemaCreate, response=BlockSchema, status=201, tags=["Block schemas"])
async def create_block_schema(request: web.Request) -> web.Response:
    body = await body_as(request, BlockSchemaCreate)
    schema, created = await request.app[SERVICES].block_schemas.create(body)
    # An existing schema with the same checksum and version is answered with 200.
    return respond(schema, status=201 if created else 200)


@routes.post(f"{_PREFIX}/filter")
@describe(body=BlockSchemaFilterBody, response=list[BlockSchema], tags=["Block schemas"])
async def filter_block_schemas(request: web.Request) -> web.Response:
    body = await body_as(request, BlockSchemaFilterBody, default={})
    return respond(await request.app[SERVICES].block_schemas.filter(body))


@routes.get(f"{_PREFIX}/checksum/{{checksum}}")
@describe(response=BlockSchema, query=SchemaVersion, tags=["Block schemas"])
async def read_block_schema_by_checksum(request: web.Request) -> web.Response:
    schemas = request.app[SERVICES].block_schemas
    return respond(await schemas.read_by_checksum(request.match_info["checksum"], request.query.get("version")))


@routes.get(f"{_PREFIX}/{{id}}")
@describe(response=BlockSchema, tags=["Block schemas"])
async def read_block_schema(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].block_schemas.read(path_uuid(request)))


@routes.delete(f"{_PREFIX}/{{id}}")
@describe(status=204, tags=["Block schemas"])
async def delete_block_schema(request: web.Request) -> web.Response:
    await request.app[SERVICES].block_schemas.delete(path_uuid(request))
    return no_content()


@routes.get("/api/block_capabilities/")
@describe(response=list[str], tags=["Block capabilities"])
async def read_block_capabilities(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].block_schemas.capabilities())
