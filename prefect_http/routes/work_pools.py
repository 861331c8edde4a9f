"""/work_pools and their queues (/work_pools/{name}/queues)"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.work_pools import (
    PoolConcurrencyQuery,
    PoolQueueQuery,
    WorkerPoll,
    WorkPoolCount,
    WorkPoolQuery,
)
from prefect_core.schemas.work_pools import WorkPoolCreate, WorkPoolUpdate, WorkQueueCreate, WorkQueueUpdate
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES

routes = web.RouteTableDef()


@routes.post("/api/work_pools/")
async def create_work_pool(request: web.Request) -> web.Response:
    pool = await request.app[SERVICES].work_pools.create_pool(await body_as(request, WorkPoolCreate))
    return respond(pool, status=201)


@routes.post("/api/work_pools/filter")
async def filter_work_pools(request: web.Request) -> web.Response:
    body = await body_as(request, WorkPoolQuery, default={})
    return respond(await request.app[SERVICES].work_pools.filter_pools(body.work_pools, body.offset, body.limit))


@routes.post("/api/work_pools/count")
async def count_work_pools(request: web.Request) -> web.Response:
    body = await body_as(request, WorkPoolCount, default={})
    return respond(await request.app[SERVICES].work_pools.count_pools(body.work_pools))


@routes.get("/api/work_pools/{name}")
async def read_work_pool(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].work_pools.read_pool(request.match_info["name"]))


@routes.patch("/api/work_pools/{name}")
async def update_work_pool(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    await request.app[SERVICES].work_pools.update_pool(name, await body_as(request, WorkPoolUpdate))
    return no_content()


@routes.delete("/api/work_pools/{name}")
async def delete_work_pool(request: web.Request) -> web.Response:
    await request.app[SERVICES].work_pools.delete_pool(request.match_info["name"])
    return no_content()


@routes.post("/api/work_pools/{name}/get_scheduled_flow_runs")
async def worker_poll(request: web.Request) -> web.Response:
    body = await body_as(request, WorkerPoll, default={})
    runs = await request.app[SERVICES].workers.scheduled_runs(
        request.match_info["name"],
        queue_names=body.work_queue_names,
        before=body.scheduled_before,
        after=body.scheduled_after,
        limit=body.limit,
    )
    return respond(runs)


@routes.post("/api/work_pools/{name}/concurrency_status")
async def pool_concurrency_status(request: web.Request) -> web.Response:
    body = await body_as(request, PoolConcurrencyQuery, default={})
    status = await request.app[SERVICES].work_pool_status.pool(
        request.match_info["name"], page=body.page, limit=body.limit, flow_run_limit=body.flow_run_limit
    )
    return respond(status)


@routes.post("/api/work_pools/{name}/queues")
async def create_work_queue(request: web.Request) -> web.Response:
    pool_name = request.match_info["name"]
    queue = await request.app[SERVICES].work_pools.create_queue(pool_name, await body_as(request, WorkQueueCreate))
    return respond(queue, status=201)


@routes.post("/api/work_pools/{name}/queues/filter")
async def filter_work_queues(request: web.Request) -> web.Response:
    body = await body_as(request, PoolQueueQuery, default={})
    queues = await request.app[SERVICES].work_pools.filter_queues(
        request.match_info["name"], body.work_queues, body.offset, body.limit
    )
    return respond(queues)


@routes.get("/api/work_pools/{name}/queues/{queue}")
async def read_work_queue(request: web.Request) -> web.Response:
    m = request.match_info
    return respond(await request.app[SERVICES].work_pools.read_queue(m["name"], m["queue"]))


@routes.patch("/api/work_pools/{name}/queues/{queue}")
async def update_work_queue(request: web.Request) -> web.Response:
    m = request.match_info
    await request.app[SERVICES].work_pools.update_queue(m["name"], m["queue"], await body_as(request, WorkQueueUpdate))
    return no_content()


@routes.delete("/api/work_pools/{name}/queues/{queue}")
async def delete_work_queue(request: web.Request) -> web.Response:
    m = request.match_info
    await request.app[SERVICES].work_pools.delete_queue(m["name"], m["queue"])
    return no_content()
