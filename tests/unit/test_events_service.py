"""EventService.subscribe: replay from storage, then live, no gap and no duplicate."""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import asynccontextmanager

import pytest

from prefect_core import timeutil
from prefect_core.events.memory_broker import MemoryBroker
from prefect_core.schemas.event_filters import EventFilter
from prefect_core.services.events import EventService, InvalidPageToken
from prefect_core.services.events_sink import DiscardingSink
from tests.unit.event_builders import event


class FakeEvents:
    def __init__(self, storage: FakeStorage) -> None:
        self.storage = storage

    async def filter(self, filter, limit=None, offset=0):
        if self.storage.during_query is not None:
            hook, self.storage.during_query = self.storage.during_query, None
            await hook()
        matching = [e for e in self.storage.stored if filter.includes(e)]
        matching.sort(key=lambda e: e.occurred, reverse=filter.order.value == "DESC")
        return matching[offset : None if limit is None else offset + limit]

    async def count(self, filter):
        return len([e for e in self.storage.stored if filter.includes(e)])


class FakeStorage:
    def __init__(self, stored) -> None:
        self.stored = list(stored)
        self.during_query = None

    @asynccontextmanager
    async def read(self):
        class Uow:
            events = FakeEvents(self)

        yield Uow()


def ago(seconds: float) -> dt.datetime:
    return timeutil.now() - dt.timedelta(seconds=seconds)


def open_filter(**body) -> EventFilter:
    return EventFilter.model_validate(
        {"occurred": {"until": (timeutil.now() + dt.timedelta(days=1)).isoformat()}, **body}
    )


async def _take(stream, n: int, timeout: float = 1.0) -> list:
    out = []

    async def take() -> None:
        async for item in stream:
            out.append(item)
            if len(out) == n:
                return

    await asyncio.wait_for(take(), timeout)
    return out


async def test_events_stored_and_published_during_the_replay_arrive_once() -> None:
    e1, e2, e3 = event("x.1", occurred=ago(30)), event("x.2", occurred=ago(20)), event("x.3", occurred=ago(10))
    storage = FakeStorage([e1])
    broker = MemoryBroker()
    service = EventService(storage, DiscardingSink(), broker)

    async def meanwhile() -> None:
        # The pipeline stores e2 (so the replay sees it) and publishes it, then e3.
        storage.stored.append(e2)
        await broker.publish([e2])
        storage.stored.append(e3)
        await broker.publish([e3])

    storage.during_query = meanwhile
    async with service.subscribe(open_filter()) as stream:
        got = await _take(stream, 3)
        assert [e.id for e in got] == [e1.id, e2.id, e3.id]
        e4 = event("x.4", occurred=ago(1))
        await broker.publish([e4])
        assert [e.id for e in await _take(stream, 1)] == [e4.id]
    assert broker.subscriber_count == 0


async def test_replay_is_clamped_to_fifteen_minutes_and_filtered() -> None:
    old, recent, other = (
        event("x.old", occurred=ago(3600)),
        event("x.new", occurred=ago(60)),
        event("y", occurred=ago(5)),
    )
    service = EventService(FakeStorage([old, recent, other]), DiscardingSink(), MemoryBroker())
    f = open_filter(
        occurred={"since": ago(7200).isoformat(), "until": (timeutil.now() + dt.timedelta(days=1)).isoformat()},
        event={"prefix": ["x."]},
    )
    async with service.subscribe(f) as stream:
        assert [e.event for e in await _take(stream, 1)] == ["x.new"]
        with pytest.raises(asyncio.TimeoutError):
            await _take(stream, 1, timeout=0.1)


async def test_live_events_are_filtered_too() -> None:
    broker = MemoryBroker()
    service = EventService(FakeStorage([]), DiscardingSink(), broker)
    async with service.subscribe(open_filter(event={"name": ["keep"]}), backfill=False) as stream:
        await broker.publish([event("drop"), event("keep")])
        assert [e.event for e in await _take(stream, 1)] == ["keep"]


async def test_pages_and_tokens() -> None:
    events = [event(f"p.{i}", occurred=ago(100 - i)) for i in range(5)]
    service = EventService(FakeStorage(events), DiscardingSink(), MemoryBroker())
    page = await service.read(EventFilter.model_validate({"order": "ASC"}), limit=2)
    seen = [e.id for e in page.events]
    while page.next_token:
        page = await service.read_next(page.next_token)
        seen += [e.id for e in page.events]
    assert seen == [e.id for e in events] and page.total == 5
    with pytest.raises(InvalidPageToken):
        await service.read_next("bm90IGpzb24=")


async def test_ingest_stamps_received() -> None:
    class Sink:
        got: list = []

        async def emit(self, events) -> None:
            self.got += events

    sink = Sink()
    service = EventService(FakeStorage([]), sink, MemoryBroker())
    old = event().model_copy(update={"received": ago(1000)})
    await service.ingest([old])
    assert sink.got[0].id == old.id and sink.got[0].received > ago(10)
