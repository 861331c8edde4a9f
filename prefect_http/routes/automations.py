"""/automations: only what deployment clients call. Automations are not kept, so
deleting those a resource owns always succeeds."""

from __future__ import annotations

from aiohttp import web

from prefect_http.jsonio import respond

routes = web.RouteTableDef()


@routes.delete("/api/automations/owned-by/{resource_id}")
async def delete_owned_automations(request: web.Request) -> web.Response:
    return respond(None, status=202)
