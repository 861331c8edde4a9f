"""The responsiveness phase (issue #13): cheap requests timed while heavy reads run.

Untimed seeding over HTTP, the same for every target: `runs` flow runs scheduled over the
last 7 days (tags and names varied), some with task runs, and events over the last day.
Then each heavy read is timed alone (the figure to compare with the reference's on the same
data), and for `duration` seconds `HEAVY_CLIENTS` clients run the heavy reads back to back
while one client alternates `GET /health` and `GET /flow_runs/{id}`: their p50/p99/max are
the phase's result (target: p99 <= 10 ms).

Bounded: seeding stops at its time budget (the number seeded is reported), every request
has a timeout, the loaded window is fixed.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench.prepare import new_session, request_json

HEAVY_CLIENTS = 3
#: The share of the seeding budget the flow runs may use; the rest is left for the events.
RUNS_SHARE = 0.85
TAGS = ["etl", "daily", "prod", "dev", "ml", "nightly"]


def heavy_reads(now: datetime, runs: int) -> list[tuple[str, str, Callable[[], Any]]]:
    """(label, path, body) of each heavy read; bodies are built per call."""
    week, day = (now - timedelta(days=7)).isoformat(), (now - timedelta(days=1)).isoformat()
    return [
        (
            "flow-run history 7d hourly",
            "/flow_runs/history",
            lambda: {"history_start": week, "history_end": now.isoformat(), "history_interval_seconds": 3600},
        ),
        ("count by tag", "/flow_runs/count", lambda: {"flow_runs": {"tags": {"all_": ["etl"]}}}),
        ("count by state", "/flow_runs/count", lambda: {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}),
        ("name search", "/flow_runs/filter", lambda: {"flow_runs": {"name": {"like_": "bench-7"}}, "limit": 50}),
        (
            "deep page",
            "/flow_runs/filter",
            lambda: {"offset": max(0, runs - 100), "limit": 50, "sort": "EXPECTED_START_TIME_DESC"},
        ),
        ("task-run count", "/task_runs/count", lambda: {}),
        (
            "events over a day",
            "/events/filter",
            lambda: {"filter": {"occurred": {"since": day, "until": now.isoformat()}}, "limit": 50},
        ),
        (
            "events count by name, a day",
            "/events/count-by/event",
            lambda: {"filter": {"occurred": {"since": day, "until": now.isoformat()}}},
        ),
        (
            "UI dashboard history",
            "/ui/flow_runs/history",
            lambda: {
                "sort": "EXPECTED_START_TIME_DESC",
                "limit": 100,
                "flow_runs": {"expected_start_time": {"after_": day}},
            },
        ),
    ]


async def seed_history(base: str, runs: int, events: int, budget_s: float, concurrency: int = 8) -> dict[str, Any]:
    """Create up to `runs` flow runs and `events` events within `budget_s`; return what was made."""
    rng = random.Random(13)
    now = datetime.now(UTC)
    deadline = time.monotonic() + budget_s
    # The runs may use most of the budget but not all of it: a slow target must still get its
    # events, or the event queries would be timed on an empty table.
    runs_deadline = time.monotonic() + budget_s * RUNS_SHARE
    made: dict[str, Any] = {"flow_runs": 0, "task_runs": 0, "events": 0, "run_ids": []}
    async with new_session() as s:
        status, flow = await request_json(s, "POST", f"{base}/flows/", {"name": "bench-history"})
        if status not in (200, 201):
            raise RuntimeError(f"POST /flows/ -> {status}: {flow}")
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(runs):
            queue.put_nowait(i)

        async def worker() -> None:
            while time.monotonic() < runs_deadline and not queue.empty():
                i = queue.get_nowait()
                when = now - timedelta(seconds=rng.uniform(0, 7 * 86400))
                body = {
                    "flow_id": flow["id"],
                    "name": f"bench-{i}",
                    "tags": rng.sample(TAGS, 2),
                    "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": when.isoformat()}},
                }
                status, run = await request_json(s, "POST", f"{base}/flow_runs/", body)
                if status in (200, 201):
                    made["flow_runs"] += 1
                    if len(made["run_ids"]) < 10:
                        made["run_ids"].append(run["id"])
                    if i % 10 == 0:
                        task = {"flow_run_id": run["id"], "task_key": "t", "dynamic_key": str(i), "name": f"t-{i}"}
                        if (await request_json(s, "POST", f"{base}/task_runs/", task))[0] in (200, 201):
                            made["task_runs"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        for start in range(0, events, 500):
            if time.monotonic() >= deadline:
                break
            batch = [
                {
                    "occurred": (now - timedelta(seconds=rng.uniform(0, 86400))).isoformat(),
                    "event": f"bench.event.{rng.randrange(20)}",
                    "resource": {"prefect.resource.id": f"bench.resource.{rng.randrange(500)}"},
                    "id": str(uuid.uuid4()),
                }
                for _ in range(min(500, events - start))
            ]
            if (await request_json(s, "POST", f"{base}/events", batch))[0] in (200, 204):
                made["events"] += len(batch)
    made["seeding_s"] = round(budget_s - max(0.0, deadline - time.monotonic()), 1)
    return made


def _stats(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}
    at = lambda q: round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1e3, 2)  # noqa: E731
    return {"n": len(ordered), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1e3, 2)}


async def _timed(s: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[float, int]:
    start = time.perf_counter()
    async with s.request(method, url, json=body) as resp:
        await resp.read()
        return time.perf_counter() - start, resp.status


async def measure(base: str, run_id: str, runs: int, duration: float) -> dict[str, Any]:
    """Each heavy read alone, then cheap requests under `HEAVY_CLIENTS` heavy readers."""
    reads = heavy_reads(datetime.now(UTC), runs)
    out: dict[str, Any] = {"heavy_alone_ms": {}, "heavy_errors": 0}
    async with new_session(timeout=60.0) as s:
        for label, path, body in reads:
            times = []
            for _ in range(3):
                took, status = await _timed(s, "POST", base + path, body())
                if status != 200:
                    out["heavy_errors"] += 1
                times.append(took)
            out["heavy_alone_ms"][label] = round(min(times) * 1e3, 1)
        loaded: dict[str, list[float]] = {}
        until = 0.0  # set below, before the heavy readers start

        async def heavy() -> None:
            while time.perf_counter() < until:
                for label, path, body in reads:
                    took, status = await _timed(s, "POST", base + path, body())
                    out["heavy_errors"] += status != 200
                    loaded.setdefault(label, []).append(took)

        async def cheap(samples: dict[str, list[float]], stop: float) -> None:
            while time.perf_counter() < stop:
                for key, path in (("health", "/health"), ("point read", f"/flow_runs/{run_id}")):
                    took, status = await _timed(s, "GET", base + path)
                    if status == 200:
                        samples[key].append(took)
                await asyncio.sleep(0.002)

        idle: dict[str, list[float]] = {"health": [], "point read": []}
        await cheap(idle, time.perf_counter() + 2.0)
        until = time.perf_counter() + duration
        busy: dict[str, list[float]] = {"health": [], "point read": []}
        await asyncio.gather(cheap(busy, until), *(heavy() for _ in range(HEAVY_CLIENTS)))
    out["idle"] = {k: _stats(v) for k, v in idle.items()}
    out["under_heavy_reads"] = {k: _stats(v) for k, v in busy.items()}
    out["heavy_loaded_mean_ms"] = {k: round(sum(v) / len(v) * 1e3, 1) for k, v in loaded.items() if v}
    return out


def run(base: str, runs: int, duration: float, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Seed, then measure; one dict for the report."""
    log(f"  -- responsiveness: seeding {runs} flow runs, {runs // 2} events (budget 900 s)")
    made = asyncio.run(seed_history(base, runs, runs // 2, budget_s=900.0))
    log(f"     seeded {made['flow_runs']} runs, {made['task_runs']} task runs, {made['events']} events")
    if not made["run_ids"]:
        return {"seeded": made, "error": "nothing seeded"}
    result = asyncio.run(measure(base, made["run_ids"][0], made["flow_runs"], duration))
    under = result["under_heavy_reads"]
    log(
        f"     /health p99 {under['health'].get('p99_ms')} ms, point read p99 "
        f"{under['point read'].get('p99_ms')} ms under {HEAVY_CLIENTS} heavy readers"
    )
    return {"seeded": {k: v for k, v in made.items() if k != "run_ids"}, **result}


def report_lines(results: dict[str, Any]) -> list[str]:
    """The phase's markdown section (empty when no target ran it)."""
    ran = [t for t in results.get("targets", []) if t.get("responsiveness")]
    if not ran:
        return []
    labels = list(ran[0]["responsiveness"].get("heavy_alone_ms", {}))
    head = ["target", "runs / task runs / events seeded", "/health p99 idle → loaded", "point read p99 idle → loaded"]
    lines = ["", "## Responsiveness under heavy reads", "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for t in ran:
        r = t["responsiveness"]
        seeded = r.get("seeded", {})
        idle, busy = r.get("idle", {}), r.get("under_heavy_reads", {})
        cells = [
            t["name"],
            f"{seeded.get('flow_runs')} / {seeded.get('task_runs')} / {seeded.get('events')}",
            f"{idle.get('health', {}).get('p99_ms')} → {busy.get('health', {}).get('p99_ms')} ms",
            f"{idle.get('point read', {}).get('p99_ms')} → {busy.get('point read', {}).get('p99_ms')} ms",
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "Each heavy read alone (ms, best of 3), on the same seeded data:", ""]
    lines += ["| heavy read | " + " | ".join(t["name"] for t in ran) + " |", "|" + " --- |" * (len(ran) + 1)]
    for label in labels:
        row = [str(t["responsiveness"].get("heavy_alone_ms", {}).get(label, "—")) for t in ran]
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return lines
