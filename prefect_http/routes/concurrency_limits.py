"""/concurrency_limits: tag concurrency limits (the v1 API, a view of `tag:<tag>` global limits)."""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.base import PagedBody
from prefect_core.schemas.bodies.concurrency_limits import TagIncrementBody, TagResetBody
from prefect_core.schemas.concurrency_limits import ConcurrencyLimitCreate
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES
from prefect_http.params import path_uuid

routes = web.RouteTableDef()

_PREFIX = "/api/concurrency_limits"


@routes.post(f"{_PREFIX}/")
async def create_tag_limit(request: web.Request) -> web.Response:
    body = await body_as(request, ConcurrencyLimitCreate)
    limit, created = await request.app[SERVICES].tag_concurrency_limits.create(body)
    return respond(limit, status=201 if created else 200)


@routes.post(f"{_PREFIX}/filter")
async def filter_tag_limits(request: web.Request) -> web.Response:
    body = await body_as(request, PagedBody, default={})
    return respond(await request.app[SERVICES].tag_concurrency_limits.filter(body.offset, body.limit))


@routes.post(f"{_PREFIX}/increment")
async def increment_tags(request: web.Request) -> web.Response:
    body = await body_as(request, TagIncrementBody, default={})
    return respond(await request.app[SERVICES].tag_concurrency_limits.increment(body.names, body.task_run_id))


@routes.post(f"{_PREFIX}/decrement")
async def decrement_tags(request: web.Request) -> web.Response:
    body = await body_as(request, TagIncrementBody, default={})
    return respond(await request.app[SERVICES].tag_concurrency_limits.decrement(body.names, body.task_run_id))


@routes.get(f"{_PREFIX}/tag/{{tag}}")
async def read_tag_limit_by_tag(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].tag_concurrency_limits.read_by_tag(request.match_info["tag"]))


@routes.post(f"{_PREFIX}/tag/{{tag}}/reset")
async def reset_tag_limit(request: web.Request) -> web.Response:
    body = await body_as(request, TagResetBody, default={})
    await request.app[SERVICES].tag_concurrency_limits.reset(request.match_info["tag"], body.slot_override)
    return respond(None)


@routes.delete(f"{_PREFIX}/tag/{{tag}}")
async def delete_tag_limit_by_tag(request: web.Request) -> web.Response:
    await request.app[SERVICES].tag_concurrency_limits.delete(tag=request.match_info["tag"])
    return respond(None)


@routes.get(f"{_PREFIX}/{{id}}")
async def read_tag_limit(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].tag_concurrency_limits.read(path_uuid(request)))


@routes.delete(f"{_PREFIX}/{{id}}")
async def delete_tag_limit(request: web.Request) -> web.Response:
    await request.app[SERVICES].tag_concurrency_limits.delete(limit_id=path_uuid(request))
    return respond(None)
