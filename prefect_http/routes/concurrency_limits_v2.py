"""/v2/concurrency_limits: global concurrency limits, their slots and leases."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web
from pydantic import TypeAdapter

from prefect_core.schemas.concurrency_limits import (
    ConcurrencyLimitV2Create,
    ConcurrencyLimitV2Update,
    DecrementBody,
    DecrementWithLeaseBody,
    IncrementBody,
    IncrementWithLeaseBody,
    RenewLeaseBody,
)
from prefect_http.jsonio import RequestValidationError, body_as, no_content, read_json, respond, validate, validate_as
from prefect_http.keys import SERVICES
from prefect_core.schemas.bodies.base import PagedBody

routes = web.RouteTableDef()

_PREFIX = "/api/v2/concurrency_limits"
_UUID = TypeAdapter(UUID)


@routes.post(f"{_PREFIX}/")
async def create_limit(request: web.Request) -> web.Response:
    body = await body_as(request, ConcurrencyLimitV2Create)
    return respond(await request.app[SERVICES].concurrency_limits.create(body), status=201)


@routes.post(f"{_PREFIX}/filter")
async def filter_limits(request: web.Request) -> web.Response:
    body = await body_as(request, PagedBody, default={})
    return respond(await request.app[SERVICES].concurrency_limits.filter(body.offset, body.limit))


@routes.post(f"{_PREFIX}/increment")
async def increment(request: web.Request) -> web.Response:
    body = await body_as(request, IncrementBody, default={})
    return respond(await request.app[SERVICES].concurrency_limits.increment(body.names, body.slots, body.mode))


@routes.post(f"{_PREFIX}/increment-with-lease")
async def increment_with_lease(request: web.Request) -> web.Response:
    body = await body_as(request, IncrementWithLeaseBody, default={})
    answer = await request.app[SERVICES].concurrency_limits.increment_with_lease(
        body.names, body.slots, body.mode, body.lease_duration, body.holder
    )
    return respond(answer)


@routes.post(f"{_PREFIX}/decrement")
async def decrement(request: web.Request) -> web.Response:
    body = await body_as(request, DecrementBody, default={})
    limits = request.app[SERVICES].concurrency_limits
    return respond(await limits.decrement(body.names, body.slots, body.occupancy_seconds))


@routes.post(f"{_PREFIX}/decrement-with-lease")
async def decrement_with_lease(request: web.Request) -> web.Response:
    body = await body_as(request, DecrementWithLeaseBody, default={})
    await request.app[SERVICES].concurrency_limits.release_lease(body.lease_id)
    return no_content()


@routes.post(f"{_PREFIX}/leases/{{lease_id}}/renew")
async def renew_lease(request: web.Request) -> web.Response:
    data = await read_json(request, default={})
    try:
        # A typed path parameter, not a route pattern: a malformed id is a 422, as in the reference.
        lease_id = validate_as(_UUID, request.match_info["lease_id"], loc=("path", "lease_id"))
    except RequestValidationError as exc:
        raise RequestValidationError(exc.errors, data) from None
    body = validate(RenewLeaseBody, data)
    await request.app[SERVICES].concurrency_limits.renew_lease(lease_id, body.lease_duration)
    return no_content()


@routes.get(f"{_PREFIX}/{{id_or_name}}")
async def read_limit(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].concurrency_limits.read(request.match_info["id_or_name"]))


@routes.patch(f"{_PREFIX}/{{id_or_name}}")
async def update_limit(request: web.Request) -> web.Response:
    body = await body_as(request, ConcurrencyLimitV2Update)
    await request.app[SERVICES].concurrency_limits.update(request.match_info["id_or_name"], body)
    return no_content()


@routes.delete(f"{_PREFIX}/{{id_or_name}}")
async def delete_limit(request: web.Request) -> web.Response:
    await request.app[SERVICES].concurrency_limits.delete(request.match_info["id_or_name"])
    return no_content()
