"""The event pipeline: batching, persist-then-publish, retries, flush on exit."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from prefect_core.errors import StorageUnavailable
from prefect_core.events.memory_broker import MemoryBroker
from prefect_core.events.pipeline import EventPipeline
from tests.unit.event_builders import event


class FakeEvents:
    def __init__(self, storage: FakeStorage) -> None:
        self.storage = storage

    async def insert_many(self, events):
        if self.storage.unavailable:
            raise StorageUnavailable("database is down")
        if any(e.event == "poison" for e in events):
            raise RuntimeError("bad row")
        new = [e for e in events if e.id not in self.storage.stored]
        self.storage.pending = {e.id: e for e in new}
        return new


class FakeUow:
    def __init__(self, storage: FakeStorage) -> None:
        self.events = FakeEvents(storage)


class FakeStorage:
    def __init__(self) -> None:
        self.stored: dict = {}
        self.pending: dict = {}
        self.writes = 0
        self.unavailable = False
        self.during_write = None  # awaited inside each write (a request emitting meanwhile)

    @asynccontextmanager
    async def write(self):
        self.writes += 1
        self.pending = {}
        if self.during_write is not None:
            await self.during_write()
        yield FakeUow(self)
        self.stored.update(self.pending)  # "commit"


class RecordingBroker(MemoryBroker):
    def __init__(self, storage: FakeStorage) -> None:
        super().__init__()
        self.storage = storage
        self.published: list = []

    async def publish(self, events) -> None:
        # Whatever is published must already be committed.
        assert all(e.id in self.storage.stored for e in events)
        self.published += events
        await super().publish(events)


class FakeRecorder:
    def __init__(self) -> None:
        self.seen: list = []

    async def record(self, uow, events) -> int:
        self.seen += events
        return len(events)


def make(**kw):
    storage = FakeStorage()
    broker = RecordingBroker(storage)
    recorder = FakeRecorder()
    kw.setdefault("flush_interval", 60)
    return storage, broker, recorder, EventPipeline(storage, broker, recorder=recorder, **kw)


async def test_a_flush_writes_one_unit_of_work_per_batch_then_publishes() -> None:
    storage, broker, recorder, pipeline = make(batch_size=3)
    events = [event(f"e.{i}") for i in range(7)]
    async with pipeline.running():
        await pipeline.emit(events[:2])
        await pipeline.emit(events[2:])
        await pipeline.flush()
        assert storage.writes == 3
        assert [e.id for e in broker.published] == [e.id for e in events]
        assert recorder.seen == broker.published


async def test_a_flush_writes_what_was_buffered_when_it_began() -> None:
    """Events emitted while a flush writes wait for the next flush: they are not written one
    write at a time behind it (which, under steady traffic, made a write per event)."""
    storage, broker, _, pipeline = make()
    first, late = event("e.first"), [event("e.late.1"), event("e.late.2")]

    async def emit_meanwhile() -> None:
        if storage.writes == 1:
            for e in late:
                await pipeline.emit([e])

    storage.during_write = emit_meanwhile
    async with pipeline.running():
        await pipeline.emit([first])
        await pipeline.flush()
        assert storage.writes == 1 and list(storage.stored) == [first.id]
        assert pipeline.pending == 2
        await pipeline.flush()
        assert storage.writes == 2 and pipeline.pending == 0
    assert [e.id for e in broker.published] == [first.id] + [e.id for e in late]


async def test_duplicates_are_stored_and_published_once() -> None:
    storage, broker, recorder, pipeline = make()
    e = event()
    async with pipeline.running():
        await pipeline.emit([e])
        await pipeline.flush()
        await pipeline.emit([e])
        await pipeline.flush()
    assert len(storage.stored) == 1 and len(broker.published) == 1 and len(recorder.seen) == 1


async def test_a_full_batch_is_flushed_without_waiting_for_the_interval() -> None:
    storage, _broker, _, pipeline = make(batch_size=2)
    async with pipeline.running():
        await pipeline.emit([event(), event()])
        for _ in range(100):
            if storage.stored:
                break
            await asyncio.sleep(0.01)
        assert len(storage.stored) == 2


async def test_the_interval_flushes_a_partial_batch() -> None:
    storage, _, _, pipeline = make(flush_interval=0.02)
    async with pipeline.running():
        await pipeline.emit([event()])
        await asyncio.sleep(0.2)
        assert len(storage.stored) == 1


async def test_leaving_running_flushes_everything_buffered() -> None:
    storage, broker, _, pipeline = make()
    async with pipeline.running():
        await pipeline.emit([event() for _ in range(5)])
        assert pipeline.pending == 5 and not storage.stored
    assert len(storage.stored) == 5 and pipeline.pending == 0 and len(broker.published) == 5


async def test_unavailable_storage_keeps_events_for_a_later_flush() -> None:
    storage, broker, _, pipeline = make(max_attempts=3)
    async with pipeline.running():
        storage.unavailable = True
        await pipeline.emit([event()])
        await pipeline.flush()
        assert pipeline.pending == 1 and not broker.published
        storage.unavailable = False
        await pipeline.flush()
        assert pipeline.pending == 0 and len(broker.published) == 1


async def test_events_are_dropped_after_too_many_failed_writes(caplog) -> None:
    storage, _, _, pipeline = make(max_attempts=2)
    storage.unavailable = True
    async with pipeline.running():
        await pipeline.emit([event()])
        await pipeline.flush()
        await pipeline.flush()
        assert pipeline.pending == 0
    assert "dropping event" in caplog.text


async def test_one_bad_event_does_not_sink_its_batch(caplog) -> None:
    storage, broker, _, pipeline = make()
    good = [event("ok.1"), event("ok.2")]
    async with pipeline.running():
        await pipeline.emit([good[0], event("poison"), good[1]])
        await pipeline.flush()
    assert set(storage.stored) == {e.id for e in good}
    assert [e.id for e in broker.published] == [e.id for e in good]


async def test_emit_outside_running_writes_at_once() -> None:
    storage, _, _, pipeline = make()
    await pipeline.emit([event()])
    assert len(storage.stored) == 1
