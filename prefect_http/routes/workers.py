"""/work_pools/{name}/workers"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.workers import WorkerHeartbeat, WorkerQuery
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES

routes = web.RouteTableDef()


@routes.post("/api/work_pools/{name}/workers/heartbeat")
async def worker_heartbeat(request: web.Request) -> web.Response:
    body = await body_as(request, WorkerHeartbeat)
    await request.app[SERVICES].workers.heartbeat(
        request.match_info["name"], body.name, body.heartbeat_interval_seconds
    )
    return no_content()


@routes.post("/api/work_pools/{name}/workers/filter")
async def filter_workers(request: web.Request) -> web.Response:
    body = await body_as(request, WorkerQuery, default={})
    workers = await request.app[SERVICES].workers.filter(
        request.match_info["name"], body.workers, body.offset, body.limit
    )
    return respond(workers)


@routes.delete("/api/work_pools/{name}/workers/{worker}")
async def delete_worker(request: web.Request) -> web.Response:
    m = request.match_info
    await request.app[SERVICES].workers.delete(m["name"], m["worker"])
    return no_content()
