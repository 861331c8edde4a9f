"""/work_queues: queues by id, and the legacy queues made without a pool"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.work_queues import WorkQueueConcurrencyQuery, WorkQueueQuery, WorkQueueRunsQuery
from prefect_core.schemas.work_pools import WorkQueueCreate, WorkQueueUpdate
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.params import path_uuid

routes = web.RouteTableDef()


@routes.post("/api/work_queues/")
async def create_work_queue(request: web.Request) -> web.Response:
    queue = await request.app[SERVICES].work_pools.create_legacy_queue(await body_as(request, WorkQueueCreate))
    return respond(queue, status=201)


@routes.post("/api/work_queues/filter")
async def filter_work_queues(request: web.Request) -> web.Response:
    body = await body_as(request, WorkQueueQuery, default={})
    return respond(await request.app[SERVICES].work_pools.filter_all_queues(body.work_queues, body.offset, body.limit))


@routes.get("/api/work_queues/name/{name}")
async def read_work_queue_by_name(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].work_pools.read_legacy_queue_by_name(request.match_info["name"]))


@routes.get("/api/work_queues/{id}")
async def read_work_queue(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].work_pools.read_queue_by_id(path_uuid(request)))


@routes.patch("/api/work_queues/{id}")
async def update_work_queue(request: web.Request) -> web.Response:
    queue_id = path_uuid(request)
    await request.app[SERVICES].work_pools.update_queue_by_id(queue_id, await body_as(request, WorkQueueUpdate))
    return no_content()


@routes.delete("/api/work_queues/{id}")
async def delete_work_queue(request: web.Request) -> web.Response:
    await request.app[SERVICES].work_pools.delete_queue_by_id(path_uuid(request))
    return no_content()


@routes.get("/api/work_queues/{id}/status")
async def read_work_queue_status(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].work_pools.queue_status(path_uuid(request)))


@routes.post("/api/work_queues/{id}/get_runs")
async def read_work_queue_runs(request: web.Request) -> web.Response:
    queue_id = path_uuid(request)
    body = await body_as(request, WorkQueueRunsQuery, default={})
    services = request.app[SERVICES]
    queue = await services.work_pools.read_queue_by_id(queue_id)
    pool = await services.work_pools.read_pool_by_id(queue.work_pool_id)
    claimed = await services.workers.scheduled_runs(
        pool.name, queue_names=[queue.name], before=body.scheduled_before, after=None, limit=body.limit
    )
    return respond([c.flow_run for c in claimed])


@routes.post("/api/work_queues/{id}/concurrency_status")
async def queue_concurrency_status(request: web.Request) -> web.Response:
    queue_id = path_uuid(request)
    body = await body_as(request, WorkQueueConcurrencyQuery, default={})
    return respond(await request.app[SERVICES].work_pool_status.queue(queue_id, page=body.page, limit=body.limit))
