"""/ui/schemas: checking a form's values against its JSON schema, for the UI's forms."""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.ui import SchemaValuesBody, SchemaValuesValidation
from prefect_core.services.schema_checks import report_for_ui_reading
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe

routes = web.RouteTableDef()


@routes.post("/api/ui/schemas/validate")
@describe(body=SchemaValuesBody, response=SchemaValuesValidation, tags=["UI", "Schemas"])
async def validate_values(request: web.Request) -> web.Response:
    """Every failure of `values` against `schema`, nested by property and list index."""
    body = await body_as(request, SchemaValuesBody)
    return respond(await report_for_ui_reading(request.app[SERVICES].storage, body.json_schema, body.values))
