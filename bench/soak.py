"""The soak phase (issue #13, part 5): no memory growth under steady load.

A steady, rate-bounded mixed load runs against one server: `CLIENTS` HTTP clients each repeat
a cycle (create a PENDING flow run, set it RUNNING then COMPLETED, read it, filter flow runs,
filter flows, `/health`), and one WebSocket streams events into `/api/events/in` at
`EVENTS_PER_S`. The server's RSS is sampled every `SAMPLE_EVERY_S` seconds. After a warm-up
(caches, pools and the allocator's arenas fill up), the RSS is noted; then the same load runs
for `seconds` more. Target: the RSS at the end is within `TARGET` (10 %) of the RSS after
warm-up.

Bounded: the load is paced (at most `rate` requests per second in total, so at most
rate x (warm-up + seconds) requests), every request has a timeout, and the phase ends at its
deadline whatever the server does.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench.history import client_event_id
from bench.prepare import count_events, new_session

#: The RSS growth allowed from the end of the warm-up to the end of the soak.
TARGET = 0.10
CLIENTS = 4
EVENTS_PER_S = 20
SAMPLE_EVERY_S = 5.0
PENDING = {"type": "PENDING", "name": "Pending"}
RUNNING = {"type": "RUNNING", "name": "Running"}
COMPLETED = {"type": "COMPLETED", "name": "Completed"}


def warmup_seconds(seconds: float, requested: float | None = None) -> float:
    """The warm-up before the RSS baseline: `requested`, else 60 s, at most `seconds` (and >= 5 s)."""
    if requested is not None:
        return max(0.0, requested)
    return max(5.0, min(60.0, seconds))


def verdict(after_warmup_mb: float | None, end_mb: float | None, target: float = TARGET) -> dict[str, Any]:
    """The growth ratio end / after-warm-up and whether it is within `target` (None when unknown)."""
    if not after_warmup_mb or end_mb is None:
        return {"ratio": None, "passed": None}
    ratio = end_mb / after_warmup_mb
    return {"ratio": round(ratio, 3), "passed": ratio <= 1.0 + target}


class Pacer:
    """At most one slot per `interval` seconds; a client that fell behind does not catch up in a burst."""

    def __init__(self, interval: float, now: float) -> None:
        self.interval, self.next_at = interval, now

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request; books the slot after it."""
        wait = max(0.0, self.next_at - now)
        self.next_at = max(self.next_at, now) + self.interval
        return wait


@dataclass
class Tally:
    """Counts of one soak window: requests by outcome, events sent, RSS samples."""

    requests: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    events_sent: int = 0
    samples: list[tuple[float, float]] = field(default_factory=list)

    def error(self, kind: str) -> None:
        """Count one failed request of `kind` (HTTP status or exception name)."""
        self.errors[kind] = self.errors.get(kind, 0) + 1


def _cycle(flow_id: str, run_id: str | None, name: str) -> list[tuple[str, str, Any]]:
    """One client's cycle of requests; `run_id` is the run created by the cycle's first request."""
    if run_id is None:
        return [("POST", "/flow_runs/", {"flow_id": flow_id, "name": name, "state": PENDING})]
    return [
        ("POST", f"/flow_runs/{run_id}/set_state", {"state": RUNNING}),
        ("POST", f"/flow_runs/{run_id}/set_state", {"state": COMPLETED}),
        ("GET", f"/flow_runs/{run_id}", None),
        ("POST", "/flow_runs/filter", {"limit": 10, "sort": "EXPECTED_START_TIME_DESC"}),
        ("POST", "/flows/filter", {"limit": 10}),
        ("GET", "/health", None),
    ]


async def _http_client(
    s: aiohttp.ClientSession, base: str, flow_id: str, stop_at: float, interval: float, tally: Tally
) -> None:
    pacer, cycle_no = Pacer(interval, time.monotonic()), 0
    tag = uuid.uuid4().hex[:8]
    while True:
        cycle_no += 1
        run_id: str | None = None
        steps = _cycle(flow_id, None, f"soak-{tag}-{cycle_no}")
        while steps:
            method, path, body = steps.pop(0)
            await asyncio.sleep(pacer.delay(time.monotonic()))
            if time.monotonic() >= stop_at:
                return
            tally.requests += 1
            try:
                async with s.request(method, base + path, json=body) as resp:
                    data = await resp.read()
                    if resp.status >= 300:
                        tally.error(str(resp.status))
                        continue
                    tally.ok += 1
                    if run_id is None and path == "/flow_runs/":
                        run_id = json.loads(data)["id"]
                        steps = _cycle(flow_id, run_id, "")
            except (TimeoutError, aiohttp.ClientError, ConnectionError, ValueError, KeyError) as exc:
                tally.error(type(exc).__name__)


async def _event_stream(base: str, name: str, stop_at: float, tally: Tally) -> None:
    ws_url = base.replace("http://", "ws://", 1) + "/events/in"
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(ws_url, protocols=("prefect",), heartbeat=None) as ws:
                await ws.send_str(json.dumps({"type": "auth", "token": None}))
                await asyncio.wait_for(ws.receive(), timeout=10)
                pacer, n = Pacer(1.0 / EVENTS_PER_S, time.monotonic()), 0
                while time.monotonic() < stop_at and not ws.closed:
                    await asyncio.sleep(pacer.delay(time.monotonic()))
                    occurred = datetime.now(UTC)
                    event = {
                        "id": str(client_event_id(occurred)),
                        "occurred": occurred.isoformat(),
                        "event": name,
                        "resource": {"prefect.resource.id": f"soak.r.{n % 50}"},
                        "related": [],
                        "payload": {"n": n},
                    }
                    await ws.send_str(json.dumps(event))
                    n += 1
                    tally.events_sent += 1
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            tally.error(f"ws {type(exc).__name__}")


async def _sampler(rss: Callable[[], float], stop_at: float, t0: float, tally: Tally) -> None:
    while True:
        tally.samples.append((round(time.monotonic() - t0, 1), rss()))
        left = stop_at - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(SAMPLE_EVERY_S, left))


async def soak(
    base: str, rss: Callable[[], float], seconds: float, warmup: float, rate: float, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Warm up for `warmup` s, then soak for `seconds` s at `rate` requests/s; return the phase's result."""
    async with new_session(timeout=30.0) as s:
        async with s.post(base + "/flows/", json={"name": "bench-soak"}) as resp:
            flow = await resp.json()
    since = datetime.now(UTC) - timedelta(minutes=1)
    event_name = f"bench.soak.{uuid.uuid4().hex[:8]}"
    interval = CLIENTS / rate
    result: dict[str, Any] = {"warmup_s": warmup, "seconds": seconds, "rate": rate, "clients": CLIENTS}
    t0 = time.monotonic()
    conn = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=30)) as s:
        for window, length in (("warmup", warmup), ("soak", seconds)):
            tally = Tally()
            stop_at = time.monotonic() + length
            await asyncio.gather(
                *(_http_client(s, base, flow["id"], stop_at, interval, tally) for _ in range(CLIENTS)),
                _event_stream(base, event_name, stop_at, tally),
                _sampler(rss, stop_at, t0, tally),
            )
            result[window] = {
                "requests": tally.requests,
                "ok": tally.ok,
                "errors": tally.errors,
                "events_sent": tally.events_sent,
                "rss_samples": tally.samples,
            }
            log(
                f"     {window}: {length:g}s, {tally.requests} requests ({sum(tally.errors.values())} errors), "
                f"{tally.events_sent} events, RSS {tally.samples[-1][1] if tally.samples else '?'} MiB"
            )
    await asyncio.sleep(2.0)  # let the last events be persisted before counting them
    try:
        result["events_persisted"] = await count_events(base, event_name, since)
    except RuntimeError as exc:
        result["events_persisted"] = None
        result["count_error"] = str(exc)[:200]
    return summarise(result)


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Add the RSS figures and the verdict to a soak result (pure: reads only the samples)."""
    warm = result.get("warmup", {}).get("rss_samples") or []
    soak_samples = result.get("soak", {}).get("rss_samples") or []
    after_warmup = warm[-1][1] if warm else None
    end = soak_samples[-1][1] if soak_samples else None
    peak = max((mb for _, mb in soak_samples), default=None)
    windows = [result.get(w, {}) for w in ("warmup", "soak")]
    return {
        **result,
        "rss_after_warmup_mb": after_warmup,
        "rss_end_mb": end,
        "rss_max_mb": peak,
        "requests": sum(w.get("requests", 0) for w in windows),
        "error_count": sum(sum(w.get("errors", {}).values()) for w in windows),
        **verdict(after_warmup, end),
    }


def run(
    base: str,
    rss: Callable[[], float],
    seconds: float,
    warmup: float,
    rate: float,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Synchronous entry point for the harness."""
    log(f"  -- soak: {warmup:g}s warm-up, then {seconds:g}s, {rate:g} requests/s + {EVENTS_PER_S} events/s")
    out = asyncio.run(soak(base, rss, seconds, warmup, rate, log))
    log(
        f"     RSS {out['rss_after_warmup_mb']} -> {out['rss_end_mb']} MiB (max {out['rss_max_mb']}), "
        f"ratio {out['ratio']}, {'PASS' if out['passed'] else 'FAIL'} (target +{TARGET:.0%})"
    )
    return out


def report_lines(results: dict[str, Any]) -> list[str]:
    """The phase's markdown section (empty when no target ran it)."""
    ran = [t for t in results.get("targets", []) if t.get("soak")]
    if not ran:
        return []
    head = [
        "target",
        "warm-up + soak s",
        "req/s",
        "RSS after warm-up MiB",
        "RSS end MiB",
        "RSS max MiB",
        "end / warm-up",
        "requests (errors)",
        "events sent / persisted",
    ]
    lines = [
        "",
        "## Memory under steady load (soak)",
        "",
        f"A paced mixed load ({CLIENTS} HTTP clients: create, set_state RUNNING and COMPLETED, read, filters, "
        f"health; {EVENTS_PER_S} events/s over WS); target: RSS at the end within {TARGET:.0%} of the RSS "
        "after warm-up.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + " --- |" * len(head),
    ]
    for t in ran:
        r = t["soak"]
        if r.get("error"):
            lines.append(f"| {t['name']} | error: {r['error']} |" + " |" * (len(head) - 2))
            continue
        ratio = "—" if r.get("ratio") is None else f"{r['ratio']:.3f} ({'pass' if r['passed'] else 'FAIL'})"
        sent = sum(r.get(w, {}).get("events_sent", 0) for w in ("warmup", "soak"))
        cells = [
            t["name"],
            f"{r['warmup_s']:g} + {r['seconds']:g}",
            f"{r['rate']:g}",
            r.get("rss_after_warmup_mb"),
            r.get("rss_end_mb"),
            r.get("rss_max_mb"),
            ratio,
            f"{r.get('requests')} ({r.get('error_count')})",
            f"{sent} / {r.get('events_persisted')}",
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return lines
