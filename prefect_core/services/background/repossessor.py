"""The repossessor: gives back the slots of leases that expired without being released
(their holder crashed, was killed, or lost the server)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prefect_core import timeutil
from prefect_core.ports import Storage
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.services.background.loops import Loop
from prefect_core.services.concurrency_limits import give_back

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings

log = logging.getLogger("prefect_core.services.background")

#: Leases released per transaction; a tick goes on until none is left.
_BATCH = 100


class Repossessor:
    name = "repossessor"

    def __init__(self, storage: Storage, waits: SlotWaits, *, interval: float = 15.0) -> None:
        self.storage = storage
        self.waits = waits
        self.interval = interval

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> Repossessor:
        return cls(
            services.storage,
            services.concurrency_limits.waits,
            interval=settings.service_option("repossessor", "loop_seconds", 15.0),
        )

    def loops(self) -> list[Loop]:
        return [Loop(self.name, self.interval, self.tick)]

    async def tick(self) -> int:
        """Release every lease expired by now; returns how many."""
        released = 0
        while True:
            now = timeutil.now()
            async with self.storage.write() as uow:
                leases = await uow.concurrency_leases.take_expired(now, _BATCH)
                for lease in leases:
                    await give_back(uow, lease, now, self.waits)
            released += len(leases)
            if len(leases) < _BATCH:
                break
        if released:
            log.info("repossessor: released %d expired concurrency lease(s)", released)
        return released
