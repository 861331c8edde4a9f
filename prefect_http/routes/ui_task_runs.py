"""/ui/task_runs: the dashboard's task-run chart, counts by state, a task run with its flow run's name."""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.ui import CountByState, DashboardCountsBody, TaskRunCount, UITaskRun
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid

routes = web.RouteTableDef()


@routes.post("/api/ui/task_runs/dashboard/counts")
@describe(body=DashboardCountsBody, response=list[TaskRunCount], tags=["Task Runs", "UI"])
async def read_dashboard_task_run_counts(request: web.Request) -> web.Response:
    """Completed and failed task runs in 20 time buckets."""
    body = await body_as(request, DashboardCountsBody)
    return respond(await request.app[SERVICES].ui.dashboard_counts(body))


@routes.post("/api/ui/task_runs/count")
@describe(body=RunFilterBody, response=CountByState, tags=["Task Runs", "UI"])
async def read_task_run_counts_by_state(request: web.Request) -> web.Response:
    """Matching task runs per state type."""
    body = await body_as(request, RunFilterBody, default={})
    return respond(await request.app[SERVICES].ui.task_run_state_counts(body))


@routes.get("/api/ui/task_runs/{id}")
@describe(response=UITaskRun, tags=["Task Runs", "UI"], errors={404: "Task not found"})
async def read_task_run_with_flow_run_name(request: web.Request) -> web.Response:
    """A task run, with its flow run's name."""
    return respond(await request.app[SERVICES].ui.task_run(path_uuid(request)))
