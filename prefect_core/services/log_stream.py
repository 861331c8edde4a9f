"""Live logs for `/logs/out` subscribers, fanned out in this process.

Logs are handed over once they are stored (when publishing is on,
PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED); each subscriber has a bounded queue
and a subscriber that falls that far behind is dropped (its stream ends), so a slow
client never holds the writers up. There is no backfill, as in the reference.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from prefect_core.schemas.filters.logs import LogFilter
from prefect_core.schemas.logs import Log

#: Logs a subscriber may have waiting before it is dropped.
SUBSCRIPTION_BACKLOG = 256


def log_matches(log: Log, flt: LogFilter) -> bool:
    """Whether a live log passes the filter's level, timestamp, flow-run and task-run criteria."""
    if flt.level is not None:
        if flt.level.ge_ is not None and log.level < flt.level.ge_:
            return False
        if flt.level.le_ is not None and log.level > flt.level.le_:
            return False
    if flt.timestamp is not None:
        if flt.timestamp.before_ is not None and log.timestamp > flt.timestamp.before_:
            return False
        if flt.timestamp.after_ is not None and log.timestamp < flt.timestamp.after_:
            return False
    if flt.flow_run_id is not None and flt.flow_run_id.any_ is not None and log.flow_run_id not in flt.flow_run_id.any_:
        return False
    if flt.task_run_id is not None:
        if flt.task_run_id.any_ is not None and log.task_run_id not in flt.task_run_id.any_:
            return False
        if flt.task_run_id.is_null_ is not None and flt.task_run_id.is_null_ != (log.task_run_id is None):
            return False
    return True


class _Subscription:
    def __init__(self, flt: LogFilter) -> None:
        self.filter = flt
        self.queue: asyncio.Queue[Log | None] = asyncio.Queue(maxsize=SUBSCRIPTION_BACKLOG + 1)
        self.dropped = False

    def offer(self, log: Log) -> None:
        if self.dropped:
            return
        if self.queue.qsize() >= SUBSCRIPTION_BACKLOG:
            self.dropped = True
            self.queue.put_nowait(None)  # ends the stream: the client reconnects
            return
        self.queue.put_nowait(log)


class LogStream:
    """Subscribers and the logs published to them."""

    def __init__(self) -> None:
        self._subscriptions: set[_Subscription] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def publish(self, logs: Sequence[Log]) -> None:
        """Hand stored logs to every subscriber whose filter matches; never waits."""
        for subscription in list(self._subscriptions):
            for log in logs:
                if log_matches(log, subscription.filter):
                    subscription.offer(log)

    @asynccontextmanager
    async def subscribe(self, flt: LogFilter) -> AsyncIterator[AsyncIterator[Log]]:
        """Logs published from now on that match `flt`, until the block exits (or the subscriber is dropped)."""
        subscription = _Subscription(flt)
        self._subscriptions.add(subscription)

        async def stream() -> AsyncIterator[Log]:
            while True:
                log = await subscription.queue.get()
                if log is None:
                    return
                yield log

        try:
            yield stream()
        finally:
            self._subscriptions.discard(subscription)
