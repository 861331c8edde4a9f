"""/flow_runs and /flow_run_states"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web
from pydantic import TypeAdapter

from prefect_core import timeutil
from prefect_core.errors import NotFound, ObjectNotFound
from prefect_core.schemas.base import KeyValueLabels
from prefect_core.schemas.bodies.queries import FlowRunPage, FlowRunQuery, RunFilterBody
from prefect_core.schemas.runs import FlowRun, FlowRunCreate, FlowRunUpdate
from prefect_core.schemas.states import State
from prefect_core.services.run_history import HistoryQuery, run_history
from prefect_http.jsonio import body_as, no_content, read_json, respond, respond_documents, validate_as
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid, query_str
from prefect_http.routes.runs_common import client_version, orchestration_response, set_state_body

routes = web.RouteTableDef()

_LABELS = TypeAdapter(KeyValueLabels)
_UUID = TypeAdapter(UUID)


@routes.post("/api/flow_runs/")
@describe(body=FlowRunCreate, response=FlowRun, status=201)
async def create_flow_run(request: web.Request) -> web.Response:
    run, created = await request.app[SERVICES].flow_runs.create(await body_as(request, FlowRunCreate))
    return respond(run, status=201 if created else 200)


@routes.post("/api/flow_runs/filter")
@describe(body=FlowRunQuery, response=list[FlowRun])
async def filter_flow_runs(request: web.Request) -> web.Response:
    query = await body_as(request, FlowRunQuery, default={})
    return respond_documents(await request.app[SERVICES].flow_runs.filter_documents(query))


@routes.post("/api/flow_runs/count")
@describe(body=RunFilterBody, response=int)
async def count_flow_runs(request: web.Request) -> web.Response:
    body = await body_as(request, RunFilterBody, default={})
    return respond(await request.app[SERVICES].flow_runs.count(body))


@routes.post("/api/flow_runs/paginate")
async def paginate_flow_runs(request: web.Request) -> web.Response:
    query = await body_as(request, FlowRunPage, default={})
    return respond(await request.app[SERVICES].flow_runs.paginate(query))


@routes.post("/api/flow_runs/history")
async def flow_run_history(request: web.Request) -> web.Response:
    query = await body_as(request, HistoryQuery)
    return respond(await run_history(request.app[SERVICES].storage, "flow", query))


@routes.get("/api/flow_runs/{id}")
@describe(response=FlowRun)
async def read_flow_run(request: web.Request) -> web.Response:
    return respond_documents(await request.app[SERVICES].flow_runs.read_document(path_uuid(request)))


@routes.patch("/api/flow_runs/{id}")
@describe(body=FlowRunUpdate, status=204)
async def update_flow_run(request: web.Request) -> web.Response:
    run_id = path_uuid(request)
    await request.app[SERVICES].flow_runs.update(run_id, await body_as(request, FlowRunUpdate))
    return no_content()


@routes.patch("/api/flow_runs/{id}/labels")
async def update_flow_run_labels(request: web.Request) -> web.Response:
    run_id = path_uuid(request)
    labels = validate_as(_LABELS, await read_json(request))
    await request.app[SERVICES].flow_runs.update_labels(run_id, labels)
    return no_content()


@routes.delete("/api/flow_runs/{id}")
@describe(status=204)
async def delete_flow_run(request: web.Request) -> web.Response:
    await request.app[SERVICES].flow_runs.delete(path_uuid(request))
    return no_content()


@routes.post("/api/flow_runs/{id}/set_state")
async def set_flow_run_state(request: web.Request) -> web.Response:
    started = timeutil.now()
    run_id = path_uuid(request)
    body = await set_state_body(request)
    try:
        result = await request.app[SERVICES].orchestration.set_flow_run_state(
            run_id, body.state, force=body.force, client_version=client_version(request)
        )
    except NotFound:
        # The reference answers an unknown run here in its "object not found" shape.
        raise ObjectNotFound(f"Flow run with id {run_id} not found") from None
    return orchestration_response(result, started)


@routes.get("/api/flow_run_states/")
@describe(response=list[State])
async def read_flow_run_states(request: web.Request) -> web.Response:
    run_id = validate_as(_UUID, query_str(request, "flow_run_id"), loc=("query", "flow_run_id"))
    return respond(await request.app[SERVICES].flow_runs.states(run_id))


@routes.get("/api/flow_run_states/{id}")
@describe(response=State)
async def read_flow_run_state(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].flow_runs.state(path_uuid(request)))
