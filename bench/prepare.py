"""Untimed preparation over HTTP (aiohttp): the seed flow and run, event counts (the PENDING pool of
set_state: bench/pool.py).

All of it retries what the reference answers under SQLite contention (503, dropped keep-alive
connections), because preparation must succeed; only the timed phases count errors.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

RETRY_STATUSES = {429, 500, 502, 503, 504}
PENDING = {"type": "PENDING", "name": "Pending"}


async def send_once(session: aiohttp.ClientSession, method: str, url: str, body: object = None) -> tuple[int, Any]:
    """Send one JSON request, no retry; return (status, decoded JSON or None for an empty body)."""
    async with session.request(method, url, json=body) as resp:
        return resp.status, (await resp.json(content_type=None) if resp.content_length != 0 else None)


async def request_json(
    session: aiohttp.ClientSession, method: str, url: str, body: object = None, attempts: int = 20
) -> tuple[int, Any]:
    """Send one JSON request, retrying connection errors and retryable statuses; return (status, json).

    The decoded JSON is `Any`, as `aiohttp`'s `json()` gives it: callers index what they asked for."""
    delay = 0.05
    last: object = None
    for _ in range(attempts):
        try:
            status, data = await send_once(session, method, url, body)
            if status not in RETRY_STATUSES:
                return status, data
            last = f"HTTP {status}: {data}"
        except (TimeoutError, aiohttp.ClientError) as exc:
            last = exc
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
    raise RuntimeError(f"{method} {url} failed after {attempts} attempts: {last}")


def new_session(timeout: float = 30.0) -> aiohttp.ClientSession:
    """A client session with a total per-request timeout."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))


#: Rows the filter phases ask for (`{"limit": 10}`), made before the first phase.
PAGE = 10


async def seed(base: str) -> dict[str, str]:
    """Create the bench flow and its flow run, and enough others to fill a page of the
    filters (`PAGE`); return {"flow_id", "flow_run_id"}."""
    async with new_session() as s:
        status, flow = await request_json(s, "POST", f"{base}/flows/", {"name": "bench-flow"})
        if status not in (200, 201):
            raise RuntimeError(f"POST /flows/ -> {status}: {flow}")
        run_body = {"flow_id": flow["id"], "name": "bench-seed-run", "state": PENDING}
        status, run = await request_json(s, "POST", f"{base}/flow_runs/", run_body)
        if status not in (200, 201):
            raise RuntimeError(f"POST /flow_runs/ -> {status}: {run}")
        # Full pages from the first phase on: the filters ask for 10, and a page of one row on
        # the fresh database would make the later growth comparison (bench/growth.py) mix the
        # page's filling with the data's growth.
        for i in range(1, PAGE):
            status, other = await request_json(s, "POST", f"{base}/flows/", {"name": f"bench-flow-{i}"})
            if status not in (200, 201):
                raise RuntimeError(f"POST /flows/ -> {status}: {other}")
            other_run = {"flow_id": flow["id"], "name": f"bench-seed-run-{i}", "state": PENDING}
            status, other = await request_json(s, "POST", f"{base}/flow_runs/", other_run)
            if status not in (200, 201):
                raise RuntimeError(f"POST /flow_runs/ -> {status}: {other}")
        # touch each timed endpoint once so first-call costs stay out of the timed phases
        for method, path, body in (
            ("GET", f"/flows/{flow['id']}", None),
            ("POST", "/flows/filter", {"limit": 10}),
            ("GET", f"/flow_runs/{run['id']}", None),
            ("POST", "/flow_runs/filter", {"limit": 10}),
        ):
            await request_json(s, method, base + path, body)
        return {"flow_id": flow["id"], "flow_run_id": run["id"]}


def event_filter(name: str, since: datetime, until: datetime) -> dict:
    """The POST /events/filter body selecting events named `name` that occurred in [since, until]."""
    return {
        "filter": {"event": {"name": [name]}, "occurred": {"since": since.isoformat(), "until": until.isoformat()}},
        "limit": 1,
    }


async def count_events(base: str, name: str, since: datetime) -> int:
    """Number of persisted events named `name` since `since` (the `total` of /events/filter)."""
    until = datetime.now(UTC) + timedelta(minutes=5)
    async with new_session() as s:
        status, page = await request_json(s, "POST", f"{base}/events/filter", event_filter(name, since, until))
    if status != 200 or not isinstance(page, dict):
        raise RuntimeError(f"POST /events/filter -> {status}: {page}")
    return int(page.get("total", 0))
