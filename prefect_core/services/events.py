"""Event use cases: take events in, query them, count them, follow them live."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

from pydantic import ValidationError

from prefect_core.errors import DomainError
from prefect_core.events.counting import Countable, TimeUnit, count_by_time, validate_buckets
from prefect_core.ports import EventBroker, Storage
from prefect_core.schemas.bodies.events import EVENTS_PAGE_SIZE as PAGE_SIZE
from prefect_core.schemas.event_filters import EventFilter, EventOrder
from prefect_core.schemas.events import Event, EventCount
from prefect_core.services.events_sink import EventSink

#: How far back an /events/out subscriber may replay (server.events.maximum_websocket_backfill).
MAX_BACKFILL = dt.timedelta(minutes=15)
BACKFILL_PAGE_SIZE = 250


class InvalidPageToken(DomainError):
    """A page token that was not made by this server (HTTP 403, as the reference)."""

    status = 403


@dataclass(frozen=True)
class EventQueryPage:
    events: list[Event]
    total: int
    #: An opaque token for the next page, or None on the last page.
    next_token: str | None


def _page_token(filter: EventFilter, total: int, page_size: int, offset: int) -> str | None:
    """The token for the page after the one at `offset`, or None if that was the last."""
    if offset + page_size >= total:
        return None
    state = {
        "filter": filter.model_dump(mode="json"),
        "count": total,
        "page_size": page_size,
        "offset": offset + page_size,
    }
    return base64.b64encode(json.dumps(state).encode()).decode()


def _read_token(token: str) -> tuple[EventFilter, int, int, int]:
    try:
        state = json.loads(base64.b64decode(token, validate=True))
        return (
            EventFilter.model_validate(state["filter"]),
            int(state["count"]),
            int(state["page_size"]),
            int(state["offset"]),
        )
    except (ValueError, KeyError, TypeError, ValidationError):
        raise InvalidPageToken("Forbidden") from None


class EventService:
    def __init__(self, storage: Storage, sink: EventSink, broker: EventBroker) -> None:
        self.storage = storage
        self.sink = sink
        self.broker = broker

    async def ingest(self, events: Sequence[Event]) -> None:
        """Accept events from a client: stamp them received now and hand them on."""
        if events:
            await self.sink.emit([event.received_now() for event in events])

    async def read(self, filter: EventFilter | None, limit: int = PAGE_SIZE) -> EventQueryPage:
        """The first page of matching events."""
        filter = filter or EventFilter()
        async with self.storage.read() as uow:
            total = await uow.events.count(filter)
            events = await uow.events.filter(filter, offset=0, limit=limit)
        return EventQueryPage(events, total, _page_token(filter, total, limit, 0))

    async def read_next(self, token: str) -> EventQueryPage:
        """The page a token from `read` or `read_next` points at."""
        filter, total, page_size, offset = _read_token(token)
        async with self.storage.read() as uow:
            events = await uow.events.filter(filter, offset=offset, limit=page_size)
        return EventQueryPage(events, total, _page_token(filter, total, page_size, offset))

    async def count_by(
        self,
        countable: Countable,
        filter: EventFilter,
        time_unit: TimeUnit = TimeUnit.day,
        time_interval: float = 1.0,
    ) -> list[EventCount]:
        """Matching events counted per time bucket, per event name or per resource."""
        if countable is Countable.day:
            time_unit, time_interval = TimeUnit.day, 1.0
        since, until = filter.occurred.since, filter.occurred.until
        validate_buckets(since, until, time_unit, time_interval)
        async with self.storage.read() as uow:
            if countable in (Countable.day, Countable.time):
                times = await uow.events.occurred_times(filter)
            else:
                return await uow.events.count_by(filter, countable.value)
        return count_by_time(times, since, until, time_unit, time_interval)

    @asynccontextmanager
    async def subscribe(self, filter: EventFilter, *, backfill: bool = True) -> AsyncIterator[AsyncIterator[Event]]:
        """Matching events: first the stored ones since `filter.occurred.since`
        (at most 15 minutes back), oldest first, then live ones as they are published.

        The broker subscription opens before the replay query, so an event stored
        after the query but published before it shows up live; events seen in the
        replay are skipped when they come again live. The iterator ends when the
        broker drops the subscription (the client should reconnect and replay).
        """
        filter = filter.model_copy(deep=True)
        filter.occurred.clamp(MAX_BACKFILL)
        filter.order = EventOrder.ASC
        async with self.broker.subscribe(filter.includes) as live:
            stream = self._replay_then_live(filter, live, backfill)
            try:
                yield stream
            finally:
                await stream.aclose()

    async def _replay_then_live(
        self, filter: EventFilter, live: AsyncIterator[Event], backfill: bool
    ) -> AsyncGenerator[Event, None]:
        replayed: set[UUID] = set()
        if backfill:
            offset = 0
            while True:
                # Read a page, then release the connection before handing events out:
                # a slow client must not hold a database connection.
                async with self.storage.read() as uow:
                    page = await uow.events.filter(filter, offset=offset, limit=BACKFILL_PAGE_SIZE)
                for event in page:
                    replayed.add(event.id)
                    yield event
                if len(page) < BACKFILL_PAGE_SIZE:
                    break
                offset += len(page)
        async for event in live:
            if event.id in replayed:
                replayed.discard(event.id)
                continue
            yield event
