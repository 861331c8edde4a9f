"""/deployments"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter

from prefect_core.errors import BadRequest, DomainError
from prefect_core.schemas.bodies.deployments import DeploymentBulkDelete, DeploymentSchedulesBody, RunnerPoll
from prefect_core.schemas.bodies.queries import DeploymentPage, DeploymentQuery, RunFilterBody
from prefect_core.schemas.deployments import DeploymentCreate, DeploymentFlowRunCreate, DeploymentUpdate
from prefect_core.schemas.schedules import (
    MAX_SCHEDULED_RUNS_CONTEXT,
    DeploymentScheduleCreate,
    DeploymentScheduleUpdate,
)
from prefect_core.services.schema_checks import HydrationRefused, ParametersRefused
from prefect_http.jsonio import body_as, no_content, read_json, respond, validate_as
from prefect_http.keys import SERVICES, SETTINGS
from prefect_http.params import path_uuid

routes = web.RouteTableDef()

_SCHEDULES = TypeAdapter(list[DeploymentScheduleCreate])
_RUN_BODIES = TypeAdapter(list[DeploymentFlowRunCreate])
BULK_CREATE_LIMIT = 100


def _schedule_limits(request: web.Request) -> dict[str, Any]:
    """The validation context of bodies holding schedules: the server's `max_scheduled_runs` cap."""
    return {MAX_SCHEDULED_RUNS_CONTEXT: request.app[SETTINGS].deployment_schedule_max_scheduled_runs}


@routes.post("/api/deployments/")
async def create_deployment(request: web.Request) -> web.Response:
    body = await body_as(request, DeploymentCreate, context=_schedule_limits(request))
    deployment, created = await request.app[SERVICES].deployments.create(body)
    return respond(deployment, status=201 if created else 200)


@routes.get("/api/deployments/name/{flow_name}/{deployment_name}")
async def read_deployment_by_name(request: web.Request) -> web.Response:
    m = request.match_info
    return respond(await request.app[SERVICES].deployments.read_by_name(m["flow_name"], m["deployment_name"]))


@routes.post("/api/deployments/filter")
async def filter_deployments(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].deployments.filter(await body_as(request, DeploymentQuery, default={})))


@routes.post("/api/deployments/count")
async def count_deployments(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].deployments.count(await body_as(request, RunFilterBody, default={})))


@routes.post("/api/deployments/paginate")
async def paginate_deployments(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].deployments.paginate(await body_as(request, DeploymentPage, default={})))


@routes.post("/api/deployments/bulk_delete")
async def bulk_delete_deployments(request: web.Request) -> web.Response:
    body = await body_as(request, DeploymentBulkDelete, default={})
    query = DeploymentQuery(deployments=body.deployments, limit=body.limit)
    deleted = await request.app[SERVICES].deployments.bulk_delete(query)
    return respond({"deleted": [str(i) for i in deleted]})


@routes.post("/api/deployments/get_scheduled_flow_runs")
async def runner_poll(request: web.Request) -> web.Response:
    body = await body_as(request, RunnerPoll)
    runs = await request.app[SERVICES].deployment_runs.runs_for_runner(
        body.deployment_ids, body.scheduled_before, body.limit
    )
    return respond(runs)


@routes.get("/api/deployments/{id}")
async def read_deployment(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].deployments.read(path_uuid(request)))


@routes.patch("/api/deployments/{id}")
async def update_deployment(request: web.Request) -> web.Response:
    deployment_id = path_uuid(request)
    body = await body_as(request, DeploymentUpdate, context=_schedule_limits(request))
    await request.app[SERVICES].deployments.update(deployment_id, body)
    return no_content()


@routes.delete("/api/deployments/{id}")
async def delete_deployment(request: web.Request) -> web.Response:
    await request.app[SERVICES].deployments.delete(path_uuid(request))
    return no_content()


@routes.post("/api/deployments/{id}/create_flow_run")
async def create_flow_run(request: web.Request) -> web.Response:
    deployment_id = path_uuid(request)
    body = await body_as(request, DeploymentFlowRunCreate, default={})
    run, created = await request.app[SERVICES].deployment_runs.create_flow_run(deployment_id, body)
    return respond(run, status=201 if created else 200)


@routes.post("/api/deployments/{id}/create_flow_run/bulk")
async def create_flow_runs(request: web.Request) -> web.Response:
    deployment_id = path_uuid(request)
    bodies = validate_as(_RUN_BODIES, await read_json(request))
    if len(bodies) > BULK_CREATE_LIMIT:
        raise BadRequest(f"Cannot create more than {BULK_CREATE_LIMIT} flow runs at once.")
    services = request.app[SERVICES]
    await services.deployments.read(deployment_id)
    results = []
    for body in bodies:
        try:
            run, _ = await services.deployment_runs.create_flow_run(deployment_id, body)
            results.append({"flow_run_id": str(run.id), "status": "CREATED", "error": None})
        except ParametersRefused as exc:
            results.append(
                {"flow_run_id": None, "status": "FAILED", "error": f"Parameter validation failed: {exc.reason}"}
            )
        except HydrationRefused as exc:  # the reference words it without the single run's prefix
            results.append({"flow_run_id": None, "status": "FAILED", "error": exc.reason})
        except DomainError as exc:
            results.append({"flow_run_id": None, "status": "FAILED", "error": exc.detail})
    return respond({"results": results})


@routes.post("/api/deployments/{id}/pause_deployment")
async def pause_deployment(request: web.Request) -> web.Response:
    await request.app[SERVICES].deployments.set_paused(path_uuid(request), True)
    return respond(None)


@routes.post("/api/deployments/{id}/resume_deployment")
async def resume_deployment(request: web.Request) -> web.Response:
    await request.app[SERVICES].deployments.set_paused(path_uuid(request), False)
    return respond(None)


@routes.post("/api/deployments/{id}/schedule")
async def schedule_deployment(request: web.Request) -> web.Response:
    deployment_id = path_uuid(request)
    body = await body_as(request, DeploymentSchedulesBody, default={})
    services = request.app[SERVICES]
    # An unknown deployment schedules nothing: the reference answers 200 all the same.
    await services.deployment_runs.schedule_runs(
        deployment_id,
        start=body.start_time,
        end=body.end_time,
        min_time=dt.timedelta(seconds=body.min_time) if body.min_time is not None else None,
        min_runs=body.min_runs,
        max_runs=body.max_runs,
    )
    return respond(None)


@routes.get("/api/deployments/{id}/schedules")
async def read_schedules(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].deployment_runs.schedules(path_uuid(request)))


@routes.post("/api/deployments/{id}/schedules")
async def create_schedules(request: web.Request) -> web.Response:
    deployment_id = path_uuid(request)
    bodies = validate_as(_SCHEDULES, await read_json(request), context=_schedule_limits(request))
    return respond(await request.app[SERVICES].deployment_runs.add_schedules(deployment_id, bodies), status=201)


@routes.patch("/api/deployments/{id}/schedules/{schedule_id}")
async def update_schedule(request: web.Request) -> web.Response:
    deployment_id, schedule_id = path_uuid(request), path_uuid(request, "schedule_id")
    body = await body_as(request, DeploymentScheduleUpdate, context=_schedule_limits(request))
    await request.app[SERVICES].deployment_runs.update_schedule(deployment_id, schedule_id, body)
    return no_content()


@routes.delete("/api/deployments/{id}/schedules/{schedule_id}")
async def delete_schedule(request: web.Request) -> web.Response:
    deployment_id, schedule_id = path_uuid(request), path_uuid(request, "schedule_id")
    await request.app[SERVICES].deployment_runs.delete_schedule(deployment_id, schedule_id)
    return no_content()


@routes.get("/api/deployments/{id}/work_queue_check")
async def work_queue_check(request: web.Request) -> web.Response:
    # Legacy tag-filtered queues are not modelled; a deployment is served by its own queue.
    deployment = await request.app[SERVICES].deployments.read(path_uuid(request))
    if deployment.work_queue_id is None:
        return respond([])
    return respond([await request.app[SERVICES].work_pools.read_queue_by_id(deployment.work_queue_id)])
