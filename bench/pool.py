"""The pool of PENDING flow runs that the set_state phase moves to RUNNING and COMPLETED.

It is prepared untimed, right after the create phase. The reference on SQLite answers a burst of
concurrent creates with 503 (`database is locked`) and drops the keep-alive connection; right after
such a burst it may answer creates with errors or slowly for a while. So the preparation first waits,
bounded, until one create succeeds; then it creates the pool, retrying each failed create with a
backoff (one failure does not cost the run: its slot is retried), within a budget that is extended,
once and bounded, when the server answered errors. Every attempt's outcome is counted, so a short
pool says why. `verdict` then judges the phase's measuring window: a pool used up in less than half
the window gives a rate the report leaves out of its geometric mean.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from bench.prepare import PENDING, send_once

#: One create's timeout. A create the reference has not answered in this time waits on its write
#: lock; the remaining budget is better spent on a new attempt than on the session's usual 30 s.
REQUEST_TIMEOUT_S = 10.0
#: First wait after a failed create, doubled for each further failure in a row, capped.
BACKOFF_FIRST_S, BACKOFF_CAP_S = 0.1, 2.0


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failed creates in a row (0 after none)."""
    if failures <= 0:
        return 0.0
    return min(BACKOFF_CAP_S, BACKOFF_FIRST_S * 2 ** (failures - 1))


def budgets(duration: float) -> tuple[float, float, float]:
    """(recovery, budget, extended budget) in seconds for a phase of `duration` seconds.

    recovery: how long to wait for the first create to succeed; budget: for the pool after it;
    extended: the pool's budget instead, once the server has answered an error."""
    budget = max(20.0, 3 * duration)
    return max(30.0, 6 * duration), budget, 3 * budget


@dataclass
class Pool:
    """What a preparation made: the run ids and the outcome of every create attempt."""

    wanted: int
    concurrency: int
    ids: list[str] = field(default_factory=list)
    #: attempts by outcome: the HTTP status ("201", "503") or the exception's class ("TimeoutError")
    outcomes: Counter[str] = field(default_factory=Counter)
    recovery_s: float = 0.0  # seconds until the first create succeeded (or until giving up)
    elapsed_s: float = 0.0  # seconds of the whole preparation
    budget_s: float = 0.0  # the pool's budget in the end (extended after errors)

    @property
    def errors(self) -> int:
        """Failed attempts."""
        return sum(n for k, n in self.outcomes.items() if k not in ("200", "201"))

    def summary(self) -> str:
        """One progress line: what was prepared, how, and what failed."""
        failed = ", ".join(f"{k}×{n}" for k, n in sorted(self.outcomes.items()) if k not in ("200", "201"))
        return (
            f"prepared {len(self.ids)}/{self.wanted} PENDING runs in {self.elapsed_s:.1f}s "
            f"(untimed, {self.concurrency} at a time; first create after {self.recovery_s:.1f}s; "
            f"budget {self.budget_s:.0f}s; failed attempts: {failed or 'none'})"
        )

    def to_json(self) -> dict:
        """The preparation's record in the results."""
        return {
            "wanted": self.wanted,
            "prepared": len(self.ids),
            "concurrency": self.concurrency,
            "outcomes": dict(self.outcomes),
            "recovery_s": round(self.recovery_s, 3),
            "elapsed_s": round(self.elapsed_s, 3),
            "budget_s": self.budget_s,
        }


async def _create(s: aiohttp.ClientSession, url: str, body: dict, pool: Pool) -> bool:
    """One create attempt; True if it made a PENDING run (its id is added to the pool)."""
    try:
        code, data = await send_once(s, "POST", url, body)
        status = str(code)
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:  # ValueError: a body that is not JSON
        pool.outcomes[type(exc).__name__] += 1
        return False
    if status in ("200", "201") and isinstance(data, dict) and data.get("state_type", "PENDING") == "PENDING":
        pool.outcomes[status] += 1
        pool.ids.append(data["id"])
        return True
    pool.outcomes[status if status not in ("200", "201") else f"{status}-not-pending"] += 1
    return False


async def prepare(
    base: str,
    flow_id: str,
    count: int,
    concurrency: int,
    recovery_s: float,
    budget_s: float,
    extended_s: float,
) -> Pool:
    """Create up to `count` PENDING runs of `flow_id`: first one at a time until one succeeds (at
    most `recovery_s`), then `concurrency` at a time within `budget_s`, or `extended_s` once any
    attempt failed. Never raises for the server's answers; the Pool tells what happened."""
    pool = Pool(wanted=count, concurrency=concurrency, budget_s=budget_s)
    url = f"{base}/flow_runs/"
    tag = uuid.uuid4().hex[:8]
    names = iter(range(count))
    start = time.monotonic()

    def body() -> dict:
        return {"flow_id": flow_id, "name": f"bench-pool-{tag}-{next(names)}", "state": PENDING}

    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as s:
        failures = 0
        first = body()
        while count and time.monotonic() - start < recovery_s:
            if await _create(s, url, first, pool):
                break
            failures += 1
            await asyncio.sleep(backoff(failures))
        pool.recovery_s = time.monotonic() - start
        if pool.ids:
            t0 = time.monotonic()
            claimed = [1]  # runs created or being created: no worker starts one beyond `count`

            def deadline() -> float:
                pool.budget_s = extended_s if pool.errors else budget_s
                return t0 + pool.budget_s

            async def worker() -> None:
                while claimed[0] < count and time.monotonic() < deadline():
                    claimed[0] += 1
                    item, failures = body(), 0
                    while not await _create(s, url, item, pool):
                        failures += 1
                        if time.monotonic() + backoff(failures) >= deadline():
                            return
                        await asyncio.sleep(backoff(failures))

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    pool.elapsed_s = time.monotonic() - start
    return pool


def verdict(prepared: int, wanted: int, result: dict, duration: float) -> tuple[str | None, bool]:
    """(warning or None, unreliable) for a set_state result measured over a pool of `prepared` runs
    (`wanted` asked for) in a phase of `duration` seconds.

    When the pool runs out, the rate is taken over the time it lasted (result["duration_s"]); a
    window under half the phase is too short to trust: unreliable. A pool used up because it was
    short of what was wanted is worth a warning even when the window was long enough."""
    exhausted = bool(result.get("extra", {}).get("exhausted"))
    if not exhausted:
        return None, False
    window = float(result.get("duration_s", 0.0))
    short = f" ({prepared} of {wanted} wanted could be prepared)" if prepared < wanted else ""
    if window < duration / 2:
        return (
            f"pool of {prepared} runs{short} used up after {window}s of {duration:g}s: "
            "rate unreliable, left out of the geometric mean",
            True,
        )
    if prepared < wanted:
        return f"pool of {prepared} runs{short} used up after {window}s of {duration:g}s", False
    return None, False
