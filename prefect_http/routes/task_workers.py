"""/task_workers: the task workers connected now."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from prefect_core.schemas.bodies.base import EmbeddedBody
from prefect_core.services.task_worker_tracker import TaskWorker
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe

routes = web.RouteTableDef()


class TaskWorkerFilter(BaseModel):
    task_keys: list[str]


class TaskWorkerQuery(EmbeddedBody):
    task_worker_filter: TaskWorkerFilter | None = None


@routes.post("/api/task_workers/filter")
@describe(body=TaskWorkerQuery, response=list[TaskWorker])
async def read_task_workers(request: web.Request) -> web.Response:
    """Connected task workers; with `task_worker_filter.task_keys`, those serving any of them."""
    query = await body_as(request, TaskWorkerQuery, default={})
    keys = query.task_worker_filter.task_keys if query.task_worker_filter else None
    return respond(request.app[SERVICES].task_worker_tracker.workers(keys))
