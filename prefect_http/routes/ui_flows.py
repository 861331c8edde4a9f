"""/ui/flows: deployment counts and next runs per flow, for the UI's flow list."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from prefect_core.schemas.ui import FlowIdsBody, SimpleNextFlowRun
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe

routes = web.RouteTableDef()


@routes.post("/api/ui/flows/count-deployments")
@describe(body=FlowIdsBody, response=dict[UUID, int], tags=["Flows", "UI"])
async def count_deployments_by_flow(request: web.Request) -> web.Response:
    """Deployments per flow id."""
    body = await body_as(request, FlowIdsBody)
    counts = await request.app[SERVICES].ui.deployment_counts(body.flow_ids)
    return respond({str(flow_id): count for flow_id, count in counts.items()})


@routes.post("/api/ui/flows/next-runs")
@describe(body=FlowIdsBody, response=dict[UUID, SimpleNextFlowRun | None], tags=["Flows", "UI"])
async def next_runs_by_flow(request: web.Request) -> web.Response:
    """The next scheduled flow run per flow id (null for a flow with none)."""
    body = await body_as(request, FlowIdsBody)
    runs = await request.app[SERVICES].ui.next_runs(body.flow_ids)
    return respond(
        {str(flow_id): None if run is None else run.model_dump(mode="json") for flow_id, run in runs.items()}
    )
