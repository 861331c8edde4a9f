"""/ui/flow_runs: the run history chart and task-run counts per flow run."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from prefect_core.schemas.ui import FlowRunHistoryQuery, FlowRunIdsBody, SimpleFlowRun
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe

routes = web.RouteTableDef()


@routes.post("/api/ui/flow_runs/history")
@describe(body=FlowRunHistoryQuery, response=list[SimpleFlowRun], tags=["Flow Runs", "UI"])
async def read_flow_run_history(request: web.Request) -> web.Response:
    """Matching flow runs as points for the UI's history chart."""
    query = await body_as(request, FlowRunHistoryQuery, default={})
    return respond(await request.app[SERVICES].ui.flow_run_history(query))


@routes.post("/api/ui/flow_runs/count-task-runs")
@describe(body=FlowRunIdsBody, response=dict[UUID, int], tags=["Flow Runs", "UI"])
async def count_task_runs_by_flow_run(request: web.Request) -> web.Response:
    """Task runs per flow run id."""
    body = await body_as(request, FlowRunIdsBody)
    counts = await request.app[SERVICES].ui.task_run_counts(body.flow_run_ids)
    return respond({str(run_id): count for run_id, count in counts.items()})
