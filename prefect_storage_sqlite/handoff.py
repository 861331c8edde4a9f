"""Handing a reader connection from the read that gives it back to the read waiting longest."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Handoff(Generic[T]):
    """Waiters for an item (a connection), served first come, first served."""

    def __init__(self, give_back: Callable[[T], Awaitable[None]]) -> None:
        #: Where an item goes when its waiter was cancelled just as it was handed over.
        self._give_back = give_back
        self._waiters: deque[asyncio.Future[T | None]] = deque()

    async def wait(self, timeout: float) -> T | None:
        """The next item given, or None once `timeout` seconds passed without one."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T | None] = loop.create_future()
        self._waiters.append(waiter)

        def expire() -> None:
            if not waiter.done():
                waiter.set_result(None)

        timer = loop.call_later(timeout, expire)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and (item := waiter.result()) is not None:
                await asyncio.shield(self._give_back(item))  # handed over as we were cancelled
            raise
        finally:
            timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def has_waiters(self) -> bool:
        """Whether `give` would hand an item over now (some waiter has not timed out)."""
        return any(not waiter.done() for waiter in self._waiters)

    def give(self, item: T) -> bool:
        """Hand `item` to the longest waiter; False when nobody waits (the caller keeps it)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return True
        return False


class BusySince:
    """When each held reader's current read began, to decide how long a new read waits.

    A read that finds every reader busy waits for one only while the youngest busy read is
    younger than `patience`: short reads (the common case under load) free a reader within
    that, while a read queued behind long ones only (a history, a count over every run)
    opens a connection of its own at once instead of sitting out the whole `patience`.
    """

    def __init__(self, patience: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.patience = patience
        self._clock = clock
        self._since: dict[object, float] = {}

    def held(self, conn: object) -> None:
        self._since[conn] = self._clock()

    def freed(self, conn: object) -> None:
        self._since.pop(conn, None)

    def wait_budget(self) -> float:
        """Seconds a new read should wait for a busy reader (0: open one now)."""
        if not self._since:
            return self.patience
        return max(0.0, max(self._since.values()) + self.patience - self._clock())
