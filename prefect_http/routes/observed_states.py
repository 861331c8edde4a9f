"""/observed-states"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.observed_states import ObservedState, ObservedStateQuery
from prefect_http.jsonio import respond, validate
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe

routes = web.RouteTableDef()


@routes.get("/api/observed-states")
@describe(query=ObservedStateQuery, response=list[ObservedState], tags=["Observed States"])
async def read_observed_states(request: web.Request) -> web.Response:
    """Exact state names and types from retained run transitions, searched by a
    case-insensitive name or type prefix."""
    query = validate(ObservedStateQuery, dict(request.query), loc=("query",))
    return respond(await request.app[SERVICES].observed_states.search(query))
