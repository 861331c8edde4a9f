"""/templates/validate (and its older name /automations/templates/validate)."""

from __future__ import annotations

from aiohttp import web

from prefect_core.automations.templates import TemplateProblem, validate
from prefect_http.jsonio import RequestValidationError, read_json, respond

routes = web.RouteTableDef()


async def _validate(request: web.Request) -> web.Response:
    template = await read_json(request, default="")
    if template is None:
        template = ""
    if not isinstance(template, str):
        raise RequestValidationError(
            [{"type": "string_type", "loc": ["body"], "msg": "Input should be a valid string", "input": template}],
            template,
        )
    try:
        validate(template)
    except TemplateProblem as problem:
        return respond({"error": {"line": problem.line, "message": problem.message, "source": template}}, status=422)
    return web.Response(status=204)


routes.post("/api/templates/validate")(_validate)
routes.post("/api/automations/templates/validate")(_validate)
