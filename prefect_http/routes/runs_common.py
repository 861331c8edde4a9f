"""What the flow-run and task-run resources share: the set_state body and answer."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from prefect_core.schemas.bodies.states import SetStateBody
from prefect_core.schemas.responses import OrchestrationResult
from prefect_http.jsonio import body_as, respond


async def set_state_body(request: web.Request) -> SetStateBody:
    return await body_as(request, SetStateBody)


def client_version(request: web.Request) -> str | None:
    return request.headers.get("X-PREFECT-API-VERSION")


def orchestration_response(result: OrchestrationResult, started: dt.datetime) -> web.Response:
    """201 when the answer carries a state made by this request, 200 otherwise (reference)."""
    fresh = result.state is not None and result.state.timestamp >= started
    return respond(result, status=201 if fresh else 200)
