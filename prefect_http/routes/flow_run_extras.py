"""/flow_runs: bulk delete and set state, lateness, resume, log download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from prefect_core import API_VERSION, timeutil
from prefect_core.schemas.bodies.bulk import FlowRunBulkDelete, FlowRunBulkSetState
from prefect_core.schemas.bodies.flow_runs import ResumeBody
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.logs import Log
from prefect_http.jsonio import body_as, respond
from prefect_http.keys import SERVICES
from prefect_http.params import path_uuid
from prefect_http.routes.runs_common import client_version, orchestration_response

routes = web.RouteTableDef()


@routes.post("/api/flow_runs/bulk_delete")
async def bulk_delete_flow_runs(request: web.Request) -> web.Response:
    body = await body_as(request, FlowRunBulkDelete, default={})
    return respond(await request.app[SERVICES].bulk.delete_flow_runs(body))


@routes.post("/api/flow_runs/bulk_set_state")
async def bulk_set_flow_run_state(request: web.Request) -> web.Response:
    # An empty body is validated as {} so that the 422 names the missing "state".
    body = await body_as(request, FlowRunBulkSetState, default={})
    return respond(await request.app[SERVICES].bulk.set_flow_run_states(body, client_version(request)))


@routes.post("/api/flow_runs/lateness")
async def average_flow_run_lateness(request: web.Request) -> web.Response:
    filters = await body_as(request, RunFilterBody, default={})
    return respond(await request.app[SERVICES].bulk.flow_run_lateness(filters))


@routes.post("/api/flow_runs/{id}/resume")
async def resume_flow_run(request: web.Request) -> web.Response:
    started = timeutil.now()
    run_id = path_uuid(request)
    body = await body_as(request, ResumeBody, default={})
    result = await request.app[SERVICES].flow_run_resume.resume(
        run_id, body.run_input, client_version=client_version(request)
    )
    return orchestration_response(result, started)


_CSV_HEADER = ("timestamp", "level", "flow_run_id", "task_run_id", "message")


def _csv(rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@routes.get("/api/flow_runs/{id}/logs/download")
async def download_logs(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    run = await services.flow_runs.read(path_uuid(request))
    filename = quote(f"{run.name}-logs.csv", safe="")
    response = web.StreamResponse(
        headers={
            "Content-Disposition": f"attachment; filename=\"flow-run-logs.csv\"; filename*=UTF-8''{filename}",
            # Streamed: prepared here, so the middleware that stamps this header cannot.
            "x-prefect-api-version": API_VERSION,
        }
    )
    response.content_type = "text/csv"
    response.charset = "utf-8"
    await response.prepare(request)
    await response.write(_csv([_CSV_HEADER]))
    async for page in services.flow_run_logs.pages(run.id):
        await response.write(_csv(_log_row(log) for log in page))
    await response.write_eof()
    return response


def _log_row(log: Log) -> tuple[Any, ...]:
    # str() of the datetime and UUIDs, and an empty cell for None, as the reference writes them.
    return (log.timestamp, log.level, log.flow_run_id, log.task_run_id, log.message)
