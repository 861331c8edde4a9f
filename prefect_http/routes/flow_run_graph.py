"""/flow_runs/{id}/graph and /flow_runs/{id}/graph-v2"""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from pydantic import TypeAdapter

from prefect_core.errors import NotFound
from prefect_core.schemas.base import DateTime
from prefect_http.jsonio import RequestValidationError, respond, validate_as
from prefect_http.keys import SERVICES
from prefect_http.params import path_uuid

routes = web.RouteTableDef()

_DATETIME: TypeAdapter[dt.datetime] = TypeAdapter(DateTime)
#: `since` when not given: every node.
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)


def _not_found(exc: NotFound) -> web.Response:
    # The reference answers an unknown run here with its "object not found" shape.
    return respond({"exception_message": exc.detail}, status=404)


def _since(raw: str | None) -> dt.datetime:
    if raw is None:
        return _EARLIEST
    try:
        return validate_as(_DATETIME, raw, loc=("query", "since"))
    except RequestValidationError as exc:
        # A bad query parameter is no request body to echo.
        raise RequestValidationError(exc.errors, None) from None


@routes.get("/api/flow_runs/{id}/graph")
async def read_flow_run_graph_v1(request: web.Request) -> web.Response:
    run_id = path_uuid(request)
    try:
        return respond(await request.app[SERVICES].flow_run_graph.dependencies(run_id))
    except NotFound as exc:
        return _not_found(exc)


@routes.get("/api/flow_runs/{id}/graph-v2")
async def read_flow_run_graph_v2(request: web.Request) -> web.Response:
    run_id = path_uuid(request)
    since = _since(request.query.get("since"))
    try:
        return respond(await request.app[SERVICES].flow_run_graph.graph(run_id, since))
    except NotFound as exc:
        return _not_found(exc)
