"""Stored events and the live event broker."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol

from prefect_core.schemas.event_filters import EventFilter
from prefect_core.schemas.events import Event, EventCount


class EventRepository(Protocol):
    """Stored events, queried with `EventFilter`s."""

    async def insert_many(self, events: Sequence[Event]) -> list[Event]:
        """Store events; an event whose id is stored already is skipped.
        Returns the events stored now, in the given order."""
        ...

    async def filter(self, filter: EventFilter, limit: int | None = None, offset: int = 0) -> list[Event]:
        """Matching events, by `occurred` in `filter.order` (ties by id); one per
        resource when `filter.resource.distinct`."""
        ...

    async def count(self, filter: EventFilter) -> int:
        """How many events match (how many resources, when distinct)."""
        ...

    async def count_by(self, filter: EventFilter, field: Literal["event", "resource"]) -> list[EventCount]:
        """Matching events grouped by name or by resource id: value, label (the
        resource's latest name for resources), count, first and last occurred."""
        ...

    async def occurred_times(self, filter: EventFilter) -> list[dt.datetime]:
        """When each matching event occurred (for time-bucketed counts)."""
        ...

    async def delete_older_than(self, cutoff: dt.datetime, limit: int) -> int:
        """Delete at most `limit` of the oldest events that occurred before `cutoff`, with
        their resource index rows; returns how many events were deleted."""
        ...


class EventBroker(Protocol):
    """Fans events out to live subscribers (memory in one process; Redis across several)."""

    async def publish(self, events: Sequence[Event]) -> None:
        """Hand events to every current subscriber; never waits on a slow one."""
        ...

    def subscribe(
        self, matches: Callable[[Event], bool] | None = None
    ) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Receive every event published after subscribing (only those `matches`
        accepts, if given), until the block exits. The iterator ends early if the
        subscriber fell too far behind or the broker closed; the caller should then
        tell its client to reconnect."""
        ...

    async def close(self) -> None:
        """End every subscription and release connections."""
        ...
