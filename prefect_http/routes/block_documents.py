"""/block_documents: stored block configuration (secrets masked unless asked for)."""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.blocks import BlockDocumentCreate, BlockDocumentUpdate
from prefect_core.schemas.bodies.blocks import BlockDocumentCountBody, BlockDocumentFilterBody
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.params import path_uuid, query_bool

routes = web.RouteTableDef()

_PREFIX = "/api/block_documents"


@routes.post(f"{_PREFIX}/")
async def create_block_document(request: web.Request) -> web.Response:
    body = await body_as(request, BlockDocumentCreate)
    return respond(await request.app[SERVICES].block_documents.create(body), status=201)


@routes.post(f"{_PREFIX}/filter")
async def filter_block_documents(request: web.Request) -> web.Response:
    body = await body_as(request, BlockDocumentFilterBody, default={})
    return respond(await request.app[SERVICES].block_documents.filter(body))


@routes.post(f"{_PREFIX}/count")
async def count_block_documents(request: web.Request) -> web.Response:
    body = await body_as(request, BlockDocumentCountBody, default={})
    return respond(await request.app[SERVICES].block_documents.count(body))


@routes.get(f"{_PREFIX}/{{id}}")
async def read_block_document(request: web.Request) -> web.Response:
    document_id = path_uuid(request)
    include_secrets = query_bool(request, "include_secrets")
    return respond(await request.app[SERVICES].block_documents.read(document_id, include_secrets=include_secrets))


@routes.patch(f"{_PREFIX}/{{id}}")
async def update_block_document(request: web.Request) -> web.Response:
    document_id = path_uuid(request)
    body = await body_as(request, BlockDocumentUpdate)
    await request.app[SERVICES].block_documents.update(document_id, body)
    return no_content()


@routes.delete(f"{_PREFIX}/{{id}}")
async def delete_block_document(request: web.Request) -> web.Response:
    await request.app[SERVICES].block_documents.delete(path_uuid(request))
    return no_content()
