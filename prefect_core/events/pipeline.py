"""The event pipeline: every event the server accepts goes through here.

Events are buffered and written in batches, one write unit of work per batch
(the events, their resource index, and the task runs recorded from them), then
published to the broker. Publishing only after the write is what lets an
/events/out subscriber replay from storage and then follow the broker with no
gap: an event it did not see live was stored before it subscribed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from uuid import UUID

from prefect_core.errors import StorageUnavailable
from prefect_core.events.task_run_recorder import TaskRunRecorder
from prefect_core.ports import EventBroker, Storage, UnitOfWork
from prefect_core.schemas.events import Event

log = logging.getLogger(__name__)

#: Called with each batch just stored, in its unit of work (the automations' triggers);
#: may return a callback to run once that unit of work has committed.
EventObserver = Callable[[UnitOfWork, Sequence[Event]], Awaitable[Callable[[], None] | None]]


class EventPipeline:
    """An `EventSink` that persists, records task runs, then publishes.

    `emit` only appends to a buffer (it waits for a flush only when the buffer
    is over `max_buffered`, to push back on a database that cannot keep up).
    A background task flushes every `flush_interval` seconds while events wait
    (it sleeps while the buffer is empty), or as soon as `batch_size` are waiting. Run it with `async with pipeline.running():`;
    leaving the block flushes whatever is still buffered.

    `max_buffered` is ten batches: an accepted event holds ~2 KB, and at 50,000 a flood over
    WS /events/in (faster than SQLite writes) left the process ~100 MiB larger for good (freed
    objects fragment Python's arenas); beyond ten full batches a bigger buffer only delays the
    push-back, it writes no faster.
    """

    def __init__(
        self,
        storage: Storage,
        broker: EventBroker,
        *,
        flush_interval: float = 0.2,
        batch_size: int = 500,
        max_buffered: int = 5_000,
        max_attempts: int = 5,
        recorder: TaskRunRecorder | None = None,
    ) -> None:
        self.storage = storage
        self.broker = broker
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.max_buffered = max_buffered
        self.max_attempts = max_attempts
        self.recorder = recorder or TaskRunRecorder()
        self._buffer: list[Event] = []
        self._attempts: dict[UUID, int] = {}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set when the buffer gets something: wakes an idle flusher
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        #: Observers of stored batches (see `EventObserver`), in order.
        self.observers: list[EventObserver] = []

    @property
    def pending(self) -> int:
        """Events accepted but not yet written."""
        return len(self._buffer)

    async def emit(self, events: Sequence[Event]) -> None:
        if not events:
            return
        self._buffer.extend(events)
        self._idle.set()
        if self._task is None:
            # Not running (start-up, shutdown, or a test): write straight away.
            await self.flush()
        elif len(self._buffer) >= self.max_buffered:
            await self.flush()
        elif len(self._buffer) >= self.batch_size:
            self._wake.set()

    async def flush(self) -> None:
        """Write and publish everything buffered now (batch by batch); what arrives while
        it writes waits for the next flush.

        Shielded: a caller cancelled meanwhile (say, a closing websocket) must not
        abandon a batch already taken out of the buffer."""
        await asyncio.shield(self._flush())

    async def _flush(self) -> None:
        async with self._lock:
            # Only what is buffered now. Taking also what arrives during the writes kept a
            # flush going for as long as requests emitted events, each write taking the one or
            # two that came in meanwhile: under steady traffic every event cost a write unit
            # of its own (measured 2026-12-02: 480 writes for 600 events, one client), each
            # taking the writer from the requests. A full batch still wakes the flusher at once.
            pending, self._buffer = self._buffer, []
            retry: list[Event] = []
            for start in range(0, len(pending), self.batch_size):
                retry += await self._write(pending[start : start + self.batch_size])
            # Batches the database could not take wait for the next flush, oldest first.
            self._buffer[:0] = retry

    async def _write(self, batch: list[Event]) -> list[Event]:
        """Persist and publish one batch; return the events to try again later."""
        try:
            stored = await self._store(batch, record=True)
        except StorageUnavailable as exc:
            return self._to_retry(batch, exc)
        except Exception:
            log.exception("writing a batch of %d events failed; writing them one by one", len(batch))
            stored = []
            for event in batch:
                stored += await self._store_alone(event)
        for event in batch:
            self._attempts.pop(event.id, None)
        if stored:
            try:
                await self.broker.publish(stored)
            except Exception:
                log.exception("publishing %d events failed", len(stored))
        return []

    async def _store(self, events: list[Event], *, record: bool) -> list[Event]:
        """Store events; with `record`, also record task runs and tell the observers,
        in the same unit of work (so what they count is counted exactly once)."""
        after_commit: list[Callable[[], None]] = []
        async with self.storage.write() as uow:
            stored = await uow.events.insert_many(events)
            if record and stored:
                await self.recorder.record(uow, stored)
                for observer in self.observers:
                    callback = await observer(uow, stored)
                    if callback is not None:
                        after_commit.append(callback)
        for callback in after_commit:
            try:
                callback()
            except Exception:
                log.exception("an event observer's after-commit step failed")
        return stored

    async def _store_alone(self, event: Event) -> list[Event]:
        """One event on its own; if recording its task run fails, store the event anyway."""
        for record in (True, False):
            try:
                return await self._store([event], record=record)
            except Exception:
                log.exception("storing event %s (%s) failed (record=%s)", event.id, event.event, record)
        return []

    def _to_retry(self, batch: list[Event], exc: Exception) -> list[Event]:
        keep = []
        for event in batch:
            attempts = self._attempts.get(event.id, 0) + 1
            if attempts >= self.max_attempts:
                self._attempts.pop(event.id, None)
                log.error("dropping event %s after %d failed writes: %s", event.id, attempts, exc)
            else:
                self._attempts[event.id] = attempts
                keep.append(event)
        log.warning("storage unavailable; %d events wait for the next flush: %s", len(keep), exc)
        return keep

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not self._stopping:
            if not self._buffer:
                # Nothing to write: sleep until an event arrives (`emit` wakes us) instead of
                # waking every interval for nothing (an idle server's CPU).
                self._idle.clear()
                await self._idle.wait()
                if self._stopping:
                    break
            # Flush on the same cadence as ever (multiples of the interval since start): an
            # event waits at most `flush_interval`, and a burst still goes in one batch.
            now = loop.time()
            deadline = started + (int((now - started) / self.flush_interval) + 1) * self.flush_interval
            try:
                async with asyncio.timeout_at(deadline):  # not wait_for (see loops.run_loop)
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # never let the flusher die: events would pile up unseen
                log.exception("event flush failed")

    @asynccontextmanager
    async def running(self) -> AsyncIterator[EventPipeline]:
        """Flush in the background while the block runs; flush the rest on exit."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="event-pipeline")
        try:
            yield self
        finally:
            # Let the flusher finish the batch in hand rather than cancel it mid-write.
            task, self._task = self._task, None
            self._stopping = True
            self._wake.set()
            self._idle.set()
            await asyncio.gather(task, return_exceptions=True)
            for attempt in range(self.max_attempts):
                await self.flush()
                if not self._buffer:
                    break
                await asyncio.sleep(0.1 * (attempt + 1))
            if self._buffer:
                log.error("shutting down with %d events that could not be stored", len(self._buffer))
