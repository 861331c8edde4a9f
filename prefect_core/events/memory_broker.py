"""The in-process event broker: fan-out to subscribers through bounded queues.

Publishing never waits. A subscriber whose queue is full is dropped (its
iterator ends) rather than silently losing events from the middle of its
stream: an /events/out client that is dropped reconnects and backfills from
storage, so it sees a complete stream, where dropping events would leave gaps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from prefect_core.schemas.events import Event

log = logging.getLogger(__name__)

#: Events a subscriber may have waiting before it is dropped.
DEFAULT_SUBSCRIBER_BACKLOG = 10_000


class _Subscription:
    def __init__(self, matches: Callable[[Event], bool] | None, backlog: int) -> None:
        self.matches = matches
        self.backlog = backlog
        # Unbounded underneath; `offer` enforces the bound so that the end marker
        # can always be queued, even when the subscriber is full.
        # None marks the end of the stream (no event is None).
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self.pending = 0
        self.ended = False

    def offer(self, event: Event) -> bool:
        """Queue `event` if wanted; False when the subscriber is over its backlog."""
        if self.ended:
            return True
        if self.matches is not None and not self.matches(event):
            return True
        if self.pending >= self.backlog:
            return False
        self.pending += 1
        self.queue.put_nowait(event)
        return True

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self.queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            self.pending -= 1
            yield item


class MemoryBroker:
    """`EventBroker` for one server process (PREFECT_BROKER_BACKEND=memory)."""

    name = "memory"

    def __init__(self, *, subscriber_backlog: int = DEFAULT_SUBSCRIBER_BACKLOG) -> None:
        self._backlog = subscriber_backlog
        self._subscriptions: set[_Subscription] = set()
        self._closed = False

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    async def publish(self, events: Sequence[Event]) -> None:
        if not events or not self._subscriptions:
            return
        for sub in list(self._subscriptions):
            for event in events:
                if not sub.offer(event):
                    log.warning("dropping an event subscriber that fell %d events behind", sub.pending)
                    self._subscriptions.discard(sub)
                    sub.end()
                    break

    @asynccontextmanager
    async def subscribe(self, matches: Callable[[Event], bool] | None = None) -> AsyncIterator[AsyncIterator[Event]]:
        sub = _Subscription(matches, self._backlog)
        if self._closed:
            sub.end()
        else:
            self._subscriptions.add(sub)
        try:
            yield sub.__aiter__()
        finally:
            self._subscriptions.discard(sub)
            sub.end()

    async def close(self) -> None:
        self._closed = True
        for sub in list(self._subscriptions):
            sub.end()
        self._subscriptions.clear()
