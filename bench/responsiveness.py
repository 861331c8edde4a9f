"""The responsiveness phase (issue #13): cheap requests timed while heavy reads run.

Untimed seeding of the same data for every target (`history.generate_history`, one seeded
RNG): `runs` flow runs scheduled over the last 7 days (tags and names varied), a tenth with a
task run, and events over the last day; over HTTP for our server, directly into the
database for the reference, whose API is too slow for it (`reference_seed`). Then each heavy read is timed alone (the figure to compare with the reference's on the same
data), and for `duration` seconds `HEAVY_CLIENTS` clients run the heavy reads back to back
while one client alternates `GET /health` and `GET /flow_runs/{id}`: their p50/p99/max are
the phase's result (target: p99 <= 10 ms).

Bounded: seeding stops at its time budget (the number seeded is reported), every request
has a timeout, the loaded window is fixed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench import reference_seed
from bench.history import FLOW_NAME, History, HistoryRun, event_body, flow_run_body, generate_history, task_run_body
from bench.prepare import new_session, request_json
from bench.servers import ServerProcess

HEAVY_CLIENTS = 3
#: The share of the seeding budget the flow runs may use; the rest is left for the events.
RUNS_SHARE = 0.85
SEED_BUDGET_S = 900.0


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


async def seed_over_http(base: str, history: History, budget_s: float, concurrency: int = 8) -> dict[str, Any]:
    """Create `history`'s flow runs, task runs and events through the API within `budget_s`; return what was made."""
    deadline = time.monotonic() + budget_s
    # The runs may use most of the budget but not all of it: a slow target must still get its
    # events, or the event queries would be timed on an empty table.
    runs_deadline = time.monotonic() + budget_s * RUNS_SHARE
    made: dict[str, Any] = {"flow_runs": 0, "task_runs": 0, "events": 0, "run_ids": [], "method": "HTTP"}
    async with new_session() as s:
        status, flow = await request_json(s, "POST", f"{base}/flows/", {"name": FLOW_NAME})
        if status not in (200, 201):
            raise RuntimeError(f"POST /flows/ -> {status}: {flow}")
        queue: asyncio.Queue[HistoryRun] = asyncio.Queue()
        for item in history.runs:
            queue.put_nowait(item)

        async def worker() -> None:
            while time.monotonic() < runs_deadline and not queue.empty():
                item = queue.get_nowait()
                status, run = await request_json(s, "POST", f"{base}/flow_runs/", flow_run_body(flow["id"], item))
                if status in (200, 201):
                    made["flow_runs"] += 1
                    if len(made["run_ids"]) < 10:
                        made["run_ids"].append(run["id"])
                    if item.with_task_run:
                        task = task_run_body(run["id"], item)
                        if (await request_json(s, "POST", f"{base}/task_runs/", task))[0] in (200, 201):
                            made["task_runs"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        for start in range(0, len(history.events), 500):
            if time.monotonic() >= deadline:
                break
            batch = [event_body(e) for e in history.events[start : start + 500]]
            if (await request_json(s, "POST", f"{base}/events", batch))[0] in (200, 204):
                made["events"] += len(batch)
    made["seeding_s"] = round(budget_s - max(0.0, deadline - time.monotonic()), 1)
    return made


def seed(server: ServerProcess, kind: str, history: History, log: Callable[[str], None]) -> dict[str, Any]:
    """Write `history` into `server`: over HTTP for ours, directly into the database for the reference
    (whose API cannot take 100,000 runs in the budget; see `reference_seed`)."""
    if kind == "reference":
        return reference_seed.seed(server, history, SEED_BUDGET_S, RUNS_SHARE, log)
    return asyncio.run(seed_over_http(server.base_url, history, SEED_BUDGET_S))


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


async def _count_not_yet_late(s: aiohttp.ClientSession, base: str) -> int | None:
    body = {"flow_runs": {"state": {"name": {"any_": ["Scheduled"]}}}}
    try:
        async with s.post(base + "/flow_runs/count", json=body) as resp:
            return int(await resp.json()) if resp.status == 200 else None
    except (TimeoutError, aiohttp.ClientError, ValueError):
        return None


#: Runs of the history read back after seeding, to check the target holds them as drawn.
CHECK_SAMPLE = 5


async def check_seeded(base: str, history: History, seeded_runs: int) -> list[str]:
    """Read a few of the seeded runs back by name through the API; the differences from the
    history (empty when the target holds them as drawn, whichever path wrote them)."""
    problems: list[str] = []
    step = max(1, seeded_runs // CHECK_SAMPLE)
    async with new_session() as s:
        for item in history.runs[:seeded_runs:step][:CHECK_SAMPLE]:
            body = {"flow_runs": {"name": {"any_": [item.name]}}, "limit": 2}
            status, found = await request_json(s, "POST", f"{base}/flow_runs/filter", body)
            if status != 200 or len(found) != 1:
                problems.append(f"{item.name}: {status}, {len(found) if isinstance(found, list) else found}")
                continue
            run = found[0]
            expected = datetime.fromisoformat(run["expected_start_time"].replace("Z", "+00:00"))
            if run["tags"] != list(item.tags) or expected != item.scheduled_time or run["state"]["type"] != "SCHEDULED":
                problems.append(f"{item.name}: tags {run['tags']}, expected start {expected}, {run['state']['type']}")
    return problems


def _answer_summary(answer: Any) -> int | str:
    """A count as it is; a list by its length (a page, or a history's buckets)."""
    if isinstance(answer, int):
        return answer
    if isinstance(answer, list):
        return f"{len(answer)} items"
    if isinstance(answer, dict) and isinstance(answer.get("events"), list):
        return f"{answer.get('total', len(answer['events']))} events"
    return type(answer).__name__


async def measure(base: str, run_id: str, runs: int, duration: float) -> dict[str, Any]:
    """Each heavy read alone, then cheap requests under `HEAVY_CLIENTS` heavy readers."""
    reads = heavy_reads(datetime.now(UTC), runs)
    out: dict[str, Any] = {"heavy_alone_ms": {}, "heavy_answer": {}, "heavy_errors": 0}
    async with new_session(timeout=60.0) as s:
        # Both servers' late-runs services move overdue SCHEDULED runs to Late, 400 per 5 s:
        # how far they are decides how much writing goes on while the reads are timed.
        out["not_yet_late_at_start"] = await _count_not_yet_late(s, base)
        for label, path, body in reads:
            times = []
            for _ in range(3):
                took, status = await _timed(s, "POST", base + path, body())
                if status != 200:
                    out["heavy_errors"] += 1
                times.append(took)
            out["heavy_alone_ms"][label] = round(min(times) * 1e3, 1)
            # what it answered (untimed): the same data gives the same counts on every target
            status, answer = await request_json(s, "POST", base + path, body())
            out["heavy_answer"][label] = _answer_summary(answer) if status == 200 else f"HTTP {status}"
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
        out["not_yet_late_at_end"] = await _count_not_yet_late(s, base)
    out["idle"] = {k: _stats(v) for k, v in idle.items()}
    out["under_heavy_reads"] = {k: _stats(v) for k, v in busy.items()}
    out["heavy_loaded_mean_ms"] = {k: round(sum(v) / len(v) * 1e3, 1) for k, v in loaded.items() if v}
    return out


def run(
    server: ServerProcess, kind: str, runs: int, duration: float, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Seed, then measure; one dict for the report (an "error" key when seeding failed)."""
    history = generate_history(runs, runs // 2, datetime.now(UTC))
    how = "directly into its SQLite database" if kind == "reference" else "over HTTP"
    log(
        f"  -- responsiveness: seeding {runs} flow runs, {history.task_runs} task runs, "
        f"{len(history.events)} events {how} (budget {SEED_BUDGET_S:.0f} s)"
    )
    try:
        made = seed(server, kind, history, log)
    except Exception as exc:  # recorded; the target's other results stand
        error = f"seeding failed: {type(exc).__name__}: {exc}"[:1500]
        log(f"     {error}")
        return {"seeded": {}, "error": error}
    log(
        f"     seeded {made['flow_runs']} runs, {made['task_runs']} task runs, {made['events']} events "
        f"in {made.get('seeding_s')} s ({made.get('method')})"
    )
    if not made["run_ids"]:
        return {"seeded": made, "error": "nothing seeded"}
    if server.settle is not None:
        try:
            made["settled"] = server.settle()
        except Exception as exc:  # measured unsettled, and said so
            made["settled"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        log(f"     settled after the bulk load: {made['settled']}")
    made["check"] = asyncio.run(check_seeded(server.base_url, history, made["flow_runs"])) or "ok"
    if made["check"] != "ok":
        log(f"     WARNING: the seeded runs read back differ from the history: {made['check']}")
    result = asyncio.run(measure(server.base_url, made["run_ids"][0], made["flow_runs"], duration))
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
    labels = list(dict.fromkeys(k for t in ran for k in t["responsiveness"].get("heavy_alone_ms", {})))
    head = [
        "target",
        "runs / task runs / events seeded (how, s)",
        "not yet Late: start → end",
        "/health p99 idle → loaded",
        "point read p99 idle → loaded",
    ]
    lines = ["", "## Responsiveness under heavy reads", "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for t in ran:
        r = t["responsiveness"]
        seeded = r.get("seeded", {})
        idle, busy = r.get("idle", {}), r.get("under_heavy_reads", {})
        cells = [
            t["name"],
            f"{seeded.get('flow_runs')} / {seeded.get('task_runs')} / {seeded.get('events')} "
            f"({seeded.get('method', '?')}, {seeded.get('seeding_s')} s{_settled(seeded)})"
            if seeded
            else f"— ({r.get('error', 'not seeded')})",
            f"{r.get('not_yet_late_at_start')} → {r.get('not_yet_late_at_end')}",
            f"{idle.get('health', {}).get('p99_ms')} → {busy.get('health', {}).get('p99_ms')} ms",
            f"{idle.get('point read', {}).get('p99_ms')} → {busy.get('point read', {}).get('p99_ms')} ms",
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "Each heavy read alone (ms, best of 3; its answer in brackets), on the same seeded data:", ""]
    lines += ["| heavy read | " + " | ".join(t["name"] for t in ran) + " |", "|" + " --- |" * (len(ran) + 1)]
    for label in labels:
        row = []
        for t in ran:
            r = t["responsiveness"]
            answer = r.get("heavy_answer", {}).get(label)
            row.append(f"{r.get('heavy_alone_ms', {}).get(label, '—')}" + ("" if answer is None else f" ({answer})"))
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return lines


def _settled(seeded: dict[str, Any]) -> str:
    """What was done to the database after the bulk load, for the report's seeding cell."""
    settled = seeded.get("settled")
    if not settled:
        return ""
    if "error" in settled:
        return f"; settling failed: {settled['error']}"
    return f"; then VACUUM ANALYZE {settled.get('vacuum_analyze_s')} s, autovacuum {settled.get('autovacuum_wait_s')} s"
