"""/automations: create, read, replace, enable/disable, delete, filter, count, and by
related or owning resource."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from prefect_core.schemas.automations import Automation, AutomationCreate, AutomationPartialUpdate, AutomationUpdate
from prefect_core.schemas.bodies.automations import AutomationCountBody, AutomationFilterBody
from prefect_http.jsonio import body_as, no_content, respond, validate
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe

routes = web.RouteTableDef()

_PREFIX = "/api/automations"
_UPDATE_FIELDS = set(AutomationUpdate.model_fields)


def _automation_id(request: web.Request) -> UUID:
    # `{id:uuid}` in the reference: a path that is not a UUID matches no route (404).
    try:
        return UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None


@routes.post(f"{_PREFIX}/")
@describe(body=AutomationCreate, response=Automation, status=201, tags=["Automations"])
async def create_automation(request: web.Request) -> web.Response:
    body = await body_as(request, AutomationCreate)
    return respond(await request.app[SERVICES].automations.create(body), status=201)


@routes.post(f"{_PREFIX}/filter")
@describe(body=AutomationFilterBody, response=list[Automation], tags=["Automations"])
async def filter_automations(request: web.Request) -> web.Response:
    body = await body_as(request, AutomationFilterBody, default={})
    automations = request.app[SERVICES].automations
    return respond(await automations.filter(body.automations, body.sort, body.offset, body.limit))


@routes.post(f"{_PREFIX}/count")
@describe(body=AutomationCountBody, response=int, tags=["Automations"])
async def count_automations(request: web.Request) -> web.Response:
    body = await body_as(request, AutomationCountBody, default={})
    return respond(await request.app[SERVICES].automations.count(body.automations))


@routes.get(f"{_PREFIX}/related-to/{{resource_id}}")
@describe(response=list[Automation], tags=["Automations"])
async def related_automations(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].automations.related_to(request.match_info["resource_id"]))


@routes.delete(f"{_PREFIX}/owned-by/{{resource_id}}")
@describe(status=202, tags=["Automations"])
async def delete_owned_automations(request: web.Request) -> web.Response:
    await request.app[SERVICES].automations.delete_owned_by(request.match_info["resource_id"])
    return respond(None, status=202)


@routes.get(f"{_PREFIX}/{{id}}")
@describe(response=Automation, errors={404: "Automation not found"}, tags=["Automations"])
async def read_automation(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].automations.read(_automation_id(request)))


@routes.put(f"{_PREFIX}/{{id}}")
@describe(body=AutomationUpdate, status=204, errors={404: "Automation not found"}, tags=["Automations"])
async def replace_automation(request: web.Request) -> web.Response:
    automation_id = _automation_id(request)
    body = await body_as(request, AutomationUpdate)
    await request.app[SERVICES].automations.replace(automation_id, body)
    return no_content()


@routes.patch(f"{_PREFIX}/{{id}}")
@describe(body=AutomationPartialUpdate, status=204, errors={404: "Automation not found"}, tags=["Automations"])
async def patch_automation(request: web.Request) -> web.Response:
    automation_id = _automation_id(request)
    body = await body_as(request, AutomationPartialUpdate)
    automations = request.app[SERVICES].automations
    if body.enabled:
        # Enabling re-checks the whole automation (a disabled one may hold a run-deployment loop).
        current = (await automations.read(automation_id)).model_dump(mode="json", include=_UPDATE_FIELDS)
        validate(AutomationUpdate, {**current, "enabled": True})
    await automations.set_enabled(automation_id, body)
    return no_content()


@routes.delete(f"{_PREFIX}/{{id}}")
@describe(status=204, errors={404: "Automation not found"}, tags=["Automations"])
async def delete_automation(request: web.Request) -> web.Response:
    await request.app[SERVICES].automations.delete(_automation_id(request))
    return no_content()
