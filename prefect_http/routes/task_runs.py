"""/task_runs and /task_run_states"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web
from pydantic import TypeAdapter

from prefect_core import timeutil
from prefect_core.errors import NotFound, ObjectNotFound
from prefect_core.schemas.bodies.queries import RunFilterBody, TaskRunPage, TaskRunQuery
from prefect_core.schemas.runs import TaskRun, TaskRunCreate, TaskRunUpdate
from prefect_core.services.run_history import HistoryQuery, run_history
from prefect_http.jsonio import body_as, no_content, respond, respond_documents, validate_as
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid, query_str
from prefect_http.routes.runs_common import client_version, orchestration_response, set_state_body

routes = web.RouteTableDef()

_UUID = TypeAdapter(UUID)


@routes.post("/api/task_runs/")
@describe(body=TaskRunCreate, response=TaskRun, status=201)
async def create_task_run(request: web.Request) -> web.Response:
    run, created = await request.app[SERVICES].task_runs.create(await body_as(request, TaskRunCreate))
    return respond(run, status=201 if created else 200)


@routes.post("/api/task_runs/filter")
@describe(body=TaskRunQuery, response=list[TaskRun])
async def filter_task_runs(request: web.Request) -> web.Response:
    query = await body_as(request, TaskRunQuery, default={})
    return respond_documents(await request.app[SERVICES].task_runs.filter_documents(query))


@routes.post("/api/task_runs/count")
@describe(body=RunFilterBody, response=int)
async def count_task_runs(request: web.Request) -> web.Response:
    body = await body_as(request, RunFilterBody, default={})
    return respond(await request.app[SERVICES].task_runs.count(body))


@routes.post("/api/task_runs/paginate")
async def paginate_task_runs(request: web.Request) -> web.Response:
    query = await body_as(request, TaskRunPage, default={})
    return respond(await request.app[SERVICES].task_runs.paginate(query))


@routes.post("/api/task_runs/history")
async def task_run_history(request: web.Request) -> web.Response:
    query = await body_as(request, HistoryQuery)
    return respond(await run_history(request.app[SERVICES].storage, "task", query))


@routes.get("/api/task_runs/{id}")
@describe(response=TaskRun)
async def read_task_run(request: web.Request) -> web.Response:
    return respond_documents(await request.app[SERVICES].task_runs.read_document(path_uuid(request)))


@routes.patch("/api/task_runs/{id}")
@describe(body=TaskRunUpdate, status=204)
async def update_task_run(request: web.Request) -> web.Response:
    run_id = path_uuid(request)
    await request.app[SERVICES].task_runs.update(run_id, await body_as(request, TaskRunUpdate))
    return no_content()


@routes.delete("/api/task_runs/{id}")
@describe(status=204)
async def delete_task_run(request: web.Request) -> web.Response:
    await request.app[SERVICES].task_runs.delete(path_uuid(request))
    return no_content()


@routes.post("/api/task_runs/{id}/set_state")
async def set_task_run_state(request: web.Request) -> web.Response:
    started = timeutil.now()
    run_id = path_uuid(request)
    body = await set_state_body(request)
    try:
        result = await request.app[SERVICES].orchestration.set_task_run_state(
            run_id, body.state, force=body.force, client_version=client_version(request)
        )
    except NotFound:
        # The reference answers an unknown run here in its "object not found" shape.
        raise ObjectNotFound(f"Task run with id {run_id} not found") from None
    return orchestration_response(result, started)


@routes.get("/api/task_run_states/")
async def read_task_run_states(request: web.Request) -> web.Response:
    run_id = validate_as(_UUID, query_str(request, "task_run_id"), loc=("query", "task_run_id"))
    return respond(await request.app[SERVICES].task_runs.states(run_id))


@routes.get("/api/task_run_states/{id}")
async def read_task_run_state(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].task_runs.state(path_uuid(request)))
