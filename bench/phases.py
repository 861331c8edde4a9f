"""The timed phases for one server and one client count: every endpoint, back to back."""

from __future__ import annotations

import asyncio
import math
import uuid
from pathlib import Path

from bench import pool
from bench.servers import ServerProcess
from bench.wrkload import run_wrk
from bench.ws_ingest import run_ingest

# key, label; the order is the order of measurement
ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("health", "GET /api/health"),
    ("read_flow", "GET /api/flows/{id}"),
    ("filter_flows", "POST /api/flows/filter"),
    ("read_flow_run", "GET /api/flow_runs/{id}"),
    ("filter_flow_runs", "POST /api/flow_runs/filter"),
    ("create_flow_run", "POST /api/flow_runs/"),
    ("set_state", "POST /api/flow_runs/{id}/set_state"),
    ("events_in", "WS /api/events/in (persisted/s)"),
)
ENDPOINT_KEYS = tuple(k for k, _ in ENDPOINTS)
LABELS = dict(ENDPOINTS)
POOL_MIN, POOL_MAX = 100, 40_000


def pool_size(create: dict | None, duration: float) -> int:
    """How many PENDING runs set_state needs: two calls per run at about the create rate, +50 %."""
    if create and create.get("duration_s"):
        rate = max(create["ok_rps"], create["responses"] / create["duration_s"])
    else:
        rate = 200.0
    return int(min(POOL_MAX, max(POOL_MIN, math.ceil(rate * duration * 0.75))))


def _static(base: str, path: str, method: str, body: str, clients: int, duration: float, scratch: Path) -> dict:
    return run_wrk(base + path, "static", [method, body], clients, duration, scratch)


def run_endpoint(
    key: str,
    server: ServerProcess,
    seeds: dict,
    clients: int,
    duration: float,
    scratch: Path,
    previous: dict,
    log=print,
) -> dict:
    """Measure one endpoint at `clients` concurrent clients for `duration` seconds."""
    base = server.base_url
    if key == "health":
        return _static(base, "/health", "GET", "", clients, duration, scratch)
    if key == "read_flow":
        return _static(base, f"/flows/{seeds['flow_id']}", "GET", "", clients, duration, scratch)
    if key == "filter_flows":
        return _static(base, "/flows/filter", "POST", '{"limit":10}', clients, duration, scratch)
    if key == "read_flow_run":
        return _static(base, f"/flow_runs/{seeds['flow_run_id']}", "GET", "", clients, duration, scratch)
    if key == "filter_flow_runs":
        return _static(base, "/flow_runs/filter", "POST", '{"limit":10}', clients, duration, scratch)
    if key == "create_flow_run":
        prefix = f"bench-c{clients}-{uuid.uuid4().hex[:8]}-"
        return run_wrk(base + "/flow_runs/", "create_flow_run", [seeds["flow_id"], prefix], clients, duration, scratch)
    if key == "set_state":
        create = previous.get("create_flow_run")
        want = pool_size(create, duration)
        # a server that answered concurrent creates with errors (the reference on SQLite: 503)
        # is prepared one request at a time, else retries starve the preparation
        concurrency = 1 if create and create.get("error_count") else 4
        prepared = asyncio.run(pool.prepare(base, seeds["flow_id"], want, concurrency, *pool.budgets(duration)))
        log("      " + prepared.summary())
        if not prepared.ids:
            raise RuntimeError(f"could not prepare any PENDING run for set_state: {prepared.summary()}")
        ids_file = scratch / f"set-state-ids-c{clients}.txt"
        ids_file.write_text("\n".join(prepared.ids) + "\n")
        result = run_wrk(base + "/health", "set_state", [str(ids_file), "/api"], clients, duration, scratch)
        result["pool"] = len(prepared.ids)
        result["preparation"] = prepared.to_json()
        warning, unreliable = pool.verdict(len(prepared.ids), want, result, duration)
        if warning:
            result["warning"] = warning
        if unreliable:
            result["unreliable"] = True
        return result
    if key == "events_in":
        return run_ingest(base, clients, duration)
    raise ValueError(key)


def run_phase(
    server: ServerProcess,
    seeds: dict,
    clients: int,
    duration: float,
    scratch: Path,
    endpoints: tuple[str, ...] = ENDPOINT_KEYS,
    log=print,
) -> dict[str, dict]:
    """Measure every endpoint in `endpoints` at one client count; failures are recorded, not raised."""
    out: dict[str, dict] = {}
    for key in endpoints:
        if not server.alive():
            out[key] = {"error": "server not running", "ok_rps": 0.0}
            continue
        try:
            res = run_endpoint(key, server, seeds, clients, duration, scratch, out, log)
        except Exception as exc:
            res = {"error": f"{type(exc).__name__}: {exc}"[:500], "ok_rps": 0.0}
        out[key] = res
        log("    " + describe(key, res))
    return out


def describe(key: str, res: dict) -> str:
    """One progress line for an endpoint result."""
    if "error" in res and "ok" not in res:
        return f"{key:<17} ERROR {res['error']}"
    errs = ", ".join(f"{k}: {v}" for k, v in sorted(res.get("errors", {}).items())) or "none"
    lat = (
        f"p50 {res['p50_ms']:.2f} p99 {res['p99_ms']:.2f} ms"
        if "p50_ms" in res
        else f"sent {res.get('sent_rps', 0):.0f}/s, persisted {res.get('ok', 0)}/{res.get('sent', 0)}"
    )
    note = f" (pool exhausted after {res['duration_s']}s)" if res.get("extra", {}).get("exhausted") else ""
    if res.get("unreliable"):
        note += " UNRELIABLE: left out of the geometric mean"
    return f"{key:<17} {res['ok_rps']:>10.1f} ok/s  {lat}  errors: {errs}{note}"
