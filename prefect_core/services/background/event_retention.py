"""Event retention: deletes events (and their resource rows) older than
PREFECT_SERVER_EVENTS_RETENTION_PERIOD, oldest first, in bounded batches.

Each batch is its own short write transaction, and the loop yields between batches,
so other writers (the event pipeline above all) are never kept waiting for long.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

from prefect_core import timeutil
from prefect_core.ports import Storage
from prefect_core.services.background.loops import Loop

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings

log = logging.getLogger("prefect_core.services.background")


class EventRetention:
    name = "event_retention"

    def __init__(
        self, storage: Storage, retention: dt.timedelta, *, interval: float = 3600.0, batch_size: int = 500
    ) -> None:
        self.storage = storage
        self.retention = retention
        self.interval = interval
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> EventRetention:
        option = settings.service_option
        return cls(
            services.storage,
            settings.events_retention_period,
            interval=option("event_retention", "loop_seconds", 3600.0),
            batch_size=max(1, int(option("event_retention", "batch_size", 500))),
        )

    def loops(self) -> list[Loop]:
        # A tick deletes batch after batch: give it time, each batch stays short.
        return [Loop(self.name, self.interval, self.tick, timeout=max(120.0, self.interval))]

    async def tick(self) -> int:
        """Delete every event older than the retention period; returns how many."""
        cutoff = timeutil.now() - self.retention
        deleted = 0
        while True:
            async with self.storage.write() as uow:
                batch = await uow.events.delete_older_than(cutoff, self.batch_size)
            deleted += batch
            if batch < self.batch_size:
                break
            await asyncio.sleep(0)  # let queued writers in between batches
        if deleted:
            log.info("event retention: deleted %d event(s) older than %s", deleted, cutoff.isoformat())
        return deleted
