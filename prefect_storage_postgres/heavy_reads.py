"""Long reads a few at a time, so they leave the CPU to the short requests.

A 7-day run history, a count over every run or a day of events keeps a PostgreSQL backend busy
for tens to hundreds of milliseconds. Several of them at once (the UI's dashboard sends them
side by side, and so does the benchmark's responsiveness phase) keep as many backends busy,
and on a database that shares the server's machine the kernel shares the cores evenly between
them and the server: a heartbeat or a point read waited behind them (docs/benchmarks.md,
"PostgreSQL settled after the bulk load"). SQLite's readers run such reads on threads at a
lower OS priority; a PostgreSQL backend's priority is not ours to lower, so here the server
admits at most `limit` of them at once, and the others wait their turn in the server, where
waiting costs nothing.

Which reads are long is learnt, not declared: each compiled statement shape
(`prefect_storage_sql.statements.Prepared`) keeps an estimate of how long its executions take,
and a shape estimated at `threshold` seconds or more waits for a slot. The time is measured in
the server, so it includes the event loop's delay in resuming the read once its rows are in;
under a load that delays every resumption, a cheap read's average would creep up to the
threshold, and a slot held through such delays would cap the cheap reads at a few dozen a
second. So the estimate drops at once to a faster execution and rises by only a share of a
slower one: one quick execution in a busy stretch is enough to clear a cheap shape. A shape is
admitted freely the first time (nothing is known of it yet). Point reads, page filters and
writes take well under a millisecond; writes never wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prefect_storage_sql.statements import Prepared

T = TypeVar("T")

#: Share of a slower execution's excess that a shape's estimate rises by.
RISE_SHARE = 0.2


class HeavyReads:
    """Admits reads of a shape that has been taking `threshold` seconds or longer `limit` at a
    time (first come, first served); every other read runs at once."""

    def __init__(self, limit: int, threshold: float) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.threshold = threshold
        self._slots = asyncio.Semaphore(limit)

    def is_heavy(self, prepared: Prepared) -> bool:
        """Whether reads of this shape are estimated to take `threshold` seconds or longer."""
        return prepared.recent_seconds >= self.threshold

    async def run(self, prepared: Prepared, read: Callable[[], Awaitable[T]]) -> T:
        """`read()` (one statement of shape `prepared`), in a slot if the shape is heavy; its
        time (not the wait for the slot) goes into the shape's estimate."""
        if self.is_heavy(prepared):
            async with self._slots:
                return await self._timed(prepared, read)
        return await self._timed(prepared, read)

    @staticmethod
    async def _timed(prepared: Prepared, read: Callable[[], Awaitable[T]]) -> T:
        started = time.perf_counter()
        try:
            return await read()
        finally:
            took = time.perf_counter() - started
            recent = prepared.recent_seconds
            prepared.recent_seconds = took if recent == 0.0 or took < recent else recent + RISE_SHARE * (took - recent)
