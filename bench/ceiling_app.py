"""The ceiling: a bare aiohttp app answering the benchmarked paths with fixed JSON, no storage.

It shows what this machine, this Python and aiohttp can do at best, so our server's numbers
can be read against both the reference (below) and the ceiling (above). The only state kept is
a per-event-name counter so the event-ingestion phase can be counted like on a real server.

Run: python bench/ceiling_app.py --host 127.0.0.1 --port 4300
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections import Counter

from aiohttp import WSMsgType, web

NOW = "2026-01-01T00:00:00.000000Z"
FLOW_ID = "0b5e1f3c-4e1f-4c7e-9a55-1c7a4c0c0001"


def _flow(fid: str = FLOW_ID) -> dict:
    return {"id": fid, "created": NOW, "updated": NOW, "name": "bench-flow", "tags": [], "labels": {}}


def _state(kind: str, run_id: str) -> dict:
    return {
        "id": str(uuid.UUID(int=1)),
        "type": kind,
        "name": kind.title(),
        "timestamp": NOW,
        "message": None,
        "data": None,
        "state_details": {
            "flow_run_id": run_id,
            "task_run_id": None,
            "child_flow_run_id": None,
            "scheduled_time": None,
            "cache_key": None,
            "cache_expiration": None,
            "deferred": False,
            "untrackable_result": False,
            "pause_timeout": None,
            "pause_reschedule": False,
            "pause_key": None,
            "run_input_keyset": None,
            "refresh_cache": None,
            "retriable": None,
            "transition_id": None,
            "task_parameters_id": None,
            "traceparent": None,
        },
    }


def _flow_run(run_id: str, name: str = "bench-run") -> dict:
    return {
        "id": run_id,
        "created": NOW,
        "updated": NOW,
        "name": name,
        "flow_id": FLOW_ID,
        "state_id": str(uuid.UUID(int=1)),
        "deployment_id": None,
        "deployment_version": None,
        "work_queue_id": None,
        "work_queue_name": None,
        "flow_version": None,
        "parameters": {},
        "idempotency_key": None,
        "context": {},
        "empirical_policy": {
            "max_retries": 0,
            "retry_delay_seconds": 0.0,
            "retries": None,
            "retry_delay": None,
            "pause_keys": [],
            "resuming": False,
            "retry_type": None,
        },
        "tags": [],
        "labels": {},
        "parent_task_run_id": None,
        "state_type": "PENDING",
        "state_name": "Pending",
        "run_count": 0,
        "expected_start_time": None,
        "next_scheduled_start_time": None,
        "start_time": None,
        "end_time": None,
        "total_run_time": 0.0,
        "estimated_run_time": 0.0,
        "estimated_start_time_delta": 0.0,
        "auto_scheduled": False,
        "infrastructure_document_id": None,
        "infrastructure_pid": None,
        "created_by": None,
        "work_pool_id": None,
        "work_pool_name": None,
        "state": _state("PENDING", run_id),
        "job_variables": {},
    }


RUN_ID = str(uuid.UUID(int=2))
FLOW_BODY = json.dumps(_flow()).encode()
FLOWS_PAGE = json.dumps([_flow()]).encode()
RUN_BODY = json.dumps(_flow_run(RUN_ID)).encode()
RUNS_PAGE = json.dumps([_flow_run(str(uuid.UUID(int=i + 10))) for i in range(10)]).encode()
RUN_TEMPLATE = RUN_BODY.decode().replace(RUN_ID, "%(id)s")
JSON = "application/json"


def _json(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type=JSON)


async def health(_: web.Request) -> web.Response:
    """GET /api/health: `true`."""
    return _json(b"true")


async def read_flow(_: web.Request) -> web.Response:
    """GET /api/flows/{id}: a fixed flow."""
    return _json(FLOW_BODY)


async def create_flow(request: web.Request) -> web.Response:
    """POST /api/flows/: a fixed flow."""
    await request.read()
    return _json(FLOW_BODY, 201)


async def filter_flows(request: web.Request) -> web.Response:
    """POST /api/flows/filter: a fixed page of one flow."""
    await request.read()
    return _json(FLOWS_PAGE)


async def read_flow_run(_: web.Request) -> web.Response:
    """GET /api/flow_runs/{id}: a fixed flow run."""
    return _json(RUN_BODY)


async def filter_flow_runs(request: web.Request) -> web.Response:
    """POST /api/flow_runs/filter: a fixed page of 10 runs."""
    await request.read()
    return _json(RUNS_PAGE)


async def create_flow_run(request: web.Request) -> web.Response:
    """POST /api/flow_runs/: a fixed flow run with a new id."""
    await request.read()
    return _json((RUN_TEMPLATE % {"id": uuid.uuid4()}).encode(), 201)


async def set_state(request: web.Request) -> web.Response:
    """POST /api/flow_runs/{id}/set_state: ACCEPT with the requested state, 201."""
    body = await request.json()
    kind = body.get("state", {}).get("type", "RUNNING")
    result = {
        "status": "ACCEPT",
        "details": {"type": "accept_details"},
        "state": _state(kind, request.match_info["id"]),
    }
    return _json(json.dumps(result).encode(), 201)


async def events_in(request: web.Request) -> web.WebSocketResponse:
    """WS /api/events/in: Prefect auth handshake, then count events by name."""
    ws = web.WebSocketResponse(protocols=("prefect",))
    await ws.prepare(request)
    first = await ws.receive()
    if first.type != WSMsgType.TEXT or json.loads(first.data).get("type") != "auth":
        await ws.close(code=4001, message=b"Unauthorized")
        return ws
    await ws.send_str('{"type":"auth_success"}')
    counts: Counter = request.app["event_counts"]
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            counts[json.loads(msg.data).get("event")] += 1
    return ws


async def events_filter(request: web.Request) -> web.Response:
    """POST /api/events/filter: `total` = events counted for the filter's names."""
    body = await request.json()
    names = ((body.get("filter") or {}).get("event") or {}).get("name") or []
    counts: Counter = request.app["event_counts"]
    total = sum(counts[n] for n in names) if names else sum(counts.values())
    return _json(json.dumps({"events": [], "total": total, "next_page": None}).encode())


def make_app() -> web.Application:
    """Build the ceiling application."""
    app = web.Application()
    app["event_counts"] = Counter()
    app.router.add_get("/api/health", health)
    app.router.add_post("/api/flows/", create_flow)
    app.router.add_get("/api/flows/{id}", read_flow)
    app.router.add_post("/api/flows/filter", filter_flows)
    app.router.add_post("/api/flow_runs/", create_flow_run)
    app.router.add_get("/api/flow_runs/{id}", read_flow_run)
    app.router.add_post("/api/flow_runs/filter", filter_flow_runs)
    app.router.add_post("/api/flow_runs/{id}/set_state", set_state)
    app.router.add_get("/api/events/in", events_in)
    app.router.add_post("/api/events/filter", events_filter)
    return app


def main() -> None:
    """Serve the ceiling app on the given loopback host and port."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4300)
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
