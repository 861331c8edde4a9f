"""/block_types: block types, and the documents of a type by its slug."""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.blocks import BlockDocument, BlockType, BlockTypeCreate, BlockTypeUpdate
from prefect_core.schemas.bodies.blocks import BlockTypeFilterBody, IncludeSecrets
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid, query_bool

routes = web.RouteTableDef()

_PREFIX = "/api/block_types"


@routes.post(f"{_PREFIX}/")
@describe(body=BlockTypeCreate, response=BlockType, status=201, tags=["Block types"])
async def create_block_type(request: web.Request) -> web.Response:
    body = await body_as(request, BlockTypeCreate)
    return respond(await request.app[SERVICES].block_types.create(body), status=201)


@routes.post(f"{_PREFIX}/filter")
@describe(body=BlockTypeFilterBody, response=list[BlockType], tags=["Block types"])
async def filter_block_types(request: web.Request) -> web.Response:
    body = await body_as(request, BlockTypeFilterBody, default={})
    return respond(await request.app[SERVICES].block_types.filter(body))


@routes.post(f"{_PREFIX}/install_system_block_types")
@describe(response=None, tags=["Block types"])
async def install_system_block_types(request: web.Request) -> web.Response:
    await request.app[SERVICES].system_blocks.register()
    return respond(None)


@routes.get(f"{_PREFIX}/slug/{{slug}}")
@describe(response=BlockType, tags=["Block types"])
async def read_block_type_by_slug(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].block_types.read_by_slug(request.match_info["slug"]))


@routes.get(f"{_PREFIX}/slug/{{slug}}/block_documents")
@describe(response=list[BlockDocument], query=IncludeSecrets, tags=["Block types"])
async def read_block_documents_of_type(request: web.Request) -> web.Response:
    include_secrets = query_bool(request, "include_secrets")
    documents = request.app[SERVICES].block_documents
    return respond(await documents.of_type(request.match_info["slug"], include_secrets=include_secrets))


@routes.get(f"{_PREFIX}/slug/{{slug}}/block_documents/name/{{name}}")
@describe(response=BlockDocument, query=IncludeSecrets, tags=["Block types"])
async def read_block_document_by_name(request: web.Request) -> web.Response:
    include_secrets = query_bool(request, "include_secrets")
    documents = request.app[SERVICES].block_documents
    found = await documents.read_by_name(
        request.match_info["slug"], request.match_info["name"], include_secrets=include_secrets
    )
    return respond(found)


@routes.get(f"{_PREFIX}/{{id}}")
@describe(response=BlockType, tags=["Block types"])
async def read_block_type(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].block_types.read(path_uuid(request)))


@routes.patch(f"{_PREFIX}/{{id}}")
@describe(body=BlockTypeUpdate, status=204, tags=["Block types"])
async def update_block_type(request: web.Request) -> web.Response:
    block_type_id = path_uuid(request)
    body = await body_as(request, BlockTypeUpdate)
    await request.app[SERVICES].block_types.update(block_type_id, body)
    return no_content()


@routes.delete(f"{_PREFIX}/{{id}}")
@describe(status=204, tags=["Block types"])
async def delete_block_type(request: web.Request) -> web.Response:
    await request.app[SERVICES].block_types.delete(path_uuid(request))
    return no_content()
