"""/flows/bulk_delete"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.bulk import FlowBulkDelete
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES

routes = web.RouteTableDef()


@routes.post("/api/flows/bulk_delete")
async def bulk_delete_flows(request: web.Request) -> web.Response:
    body = await body_as(request, FlowBulkDelete, default={})
    return respond(await request.app[SERVICES].bulk.delete_flows(body))
