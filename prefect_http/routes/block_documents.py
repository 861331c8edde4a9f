"""/block_documents: stored block configuration (secrets masked unless asked for)."""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from prefect_core.schemas.blocks import BlockDocument, BlockDocumentCreate, BlockDocumentUpdate
from prefect_core.schemas.bodies.blocks import BlockDocumentCountBody, BlockDocumentFilterBody, IncludeSecrets
from prefect_core.services.block_data import OBFUSCATED
from prefect_http.jsonio import RequestValidationError, body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid, query_bool

routes = web.RouteTableDef()

_PREFIX = "/api/block_documents"

M = TypeVar("M", bound=BaseModel)


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return OBFUSCATED


def _without_data(value: Any) -> Any:
    """`value` with every leaf of a document's `data` masked: which of them are secret is
    only known once the body is valid, so none is echoed (the reference echoes them all)."""
    if isinstance(value, dict) and "data" in value:
        return {**value, "data": _masked(value["data"])}
    return value


async def _document_body(request: web.Request, model: type[M]) -> M:
    try:
        return await body_as(request, model)
    except RequestValidationError as exc:
        errors = []
        for error in exc.errors:
            loc = error.get("loc", [])
            if list(loc[:2]) == ["body", "data"]:
                error = {**error, "input": _masked(error.get("input"))}
            else:
                error = {**error, "input": _without_data(error.get("input"))}
            errors.append(error)
        # Malformed JSON is echoed as text by the generic path: not here, it may hold secrets.
        body = None if isinstance(exc.body, str) else _without_data(exc.body)
        raise RequestValidationError(errors, body) from None


@routes.post(f"{_PREFIX}/")
@describe(body=BlockDocumentCreate, response=BlockDocument, status=201, tags=["Block documents"])
async def create_block_document(request: web.Request) -> web.Response:
    body = await _document_body(request, BlockDocumentCreate)
    return respond(await request.app[SERVICES].block_documents.create(body), status=201)


@routes.post(f"{_PREFIX}/filter")
@describe(body=BlockDocumentFilterBody, response=list[BlockDocument], tags=["Block documents"])
async def filter_block_documents(request: web.Request) -> web.Response:
    body = await body_as(request, BlockDocumentFilterBody, default={})
    return respond(await request.app[SERVICES].block_documents.filter(body))


@routes.post(f"{_PREFIX}/count")
@describe(body=BlockDocumentCountBody, response=int, tags=["Block documents"])
async def count_block_documents(request: web.Request) -> web.Response:
    body = await body_as(request, BlockDocumentCountBody, default={})
    return respond(await request.app[SERVICES].block_documents.count(body))


@routes.get(f"{_PREFIX}/{{id}}")
@describe(response=BlockDocument, query=IncludeSecrets, tags=["Block documents"])
async def read_block_document(request: web.Request) -> web.Response:
    document_id = path_uuid(request)
    include_secrets = query_bool(request, "include_secrets")
    return respond(await request.app[SERVICES].block_documents.read(document_id, include_secrets=include_secrets))


@routes.patch(f"{_PREFIX}/{{id}}")
@describe(body=BlockDocumentUpdate, status=204, tags=["Block documents"])
async def update_block_document(request: web.Request) -> web.Response:
    document_id = path_uuid(request)
    body = await _document_body(request, BlockDocumentUpdate)
    await request.app[SERVICES].block_documents.update(document_id, body)
    return no_content()


@routes.delete(f"{_PREFIX}/{{id}}")
@describe(status=204, tags=["Block documents"])
async def delete_block_document(request: web.Request) -> web.Response:
    await request.app[SERVICES].block_documents.delete(path_uuid(request))
    return no_content()
