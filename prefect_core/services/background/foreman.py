"""The foreman: statuses from heartbeats and polls.

Workers silent for several heartbeat intervals go OFFLINE; a pool left without
an online worker goes NOT_READY; queues and deployments not polled for a while
go NOT_READY. Each change is announced by its status event (`prefect.work-pool.not-ready`, ...).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from prefect_core import timeutil
from prefect_core.events.status_events import deployment_status_events, work_pool_status_event, work_queue_status_events
from prefect_core.ports import Storage
from prefect_core.schemas.events import Event
from prefect_core.schemas.work_pools import WorkPoolStatus
from prefect_core.services.background.loops import Loop
from prefect_core.services.events_sink import DiscardingSink, EventSink

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings


class Foreman:
    name = "foreman"

    def __init__(
        self,
        storage: Storage,
        *,
        interval: float = 15.0,
        heartbeat_multiple: float = 3,
        fallback_heartbeat_seconds: int = 30,
        polled_timeout_seconds: float = 60,
        events: EventSink | None = None,
    ) -> None:
        self.storage = storage
        self.events: EventSink = events or DiscardingSink()
        self.interval = interval
        self.heartbeat_multiple = heartbeat_multiple
        self.fallback_heartbeat_seconds = fallback_heartbeat_seconds
        self.polled_timeout_seconds = polled_timeout_seconds

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> Foreman:
        opt = settings.service_option
        return cls(
            services.storage,
            interval=opt("foreman", "loop_seconds", 15.0),
            heartbeat_multiple=opt("foreman", "inactivity_heartbeat_multiple", 3),
            fallback_heartbeat_seconds=int(opt("foreman", "fallback_heartbeat_interval_seconds", 30)),
            polled_timeout_seconds=opt("foreman", "deployment_last_polled_timeout_seconds", 60),
            events=services.events,
        )

    def loops(self) -> list[Loop]:
        return [Loop(self.name, self.interval, self.tick)]

    async def tick(self) -> None:
        now = timeutil.now()
        stale = now - dt.timedelta(seconds=self.polled_timeout_seconds)
        changed: list[Event] = []
        async with self.storage.write() as uow:
            pool_ids = await uow.workers.mark_offline(
                now, default_interval=self.fallback_heartbeat_seconds, multiple=self.heartbeat_multiple
            )
            for pool_id in pool_ids:
                pool = await uow.work_pools.get(pool_id)
                if (
                    pool is not None
                    and pool.status == WorkPoolStatus.READY
                    and not await uow.workers.count_online(pool_id)
                ):
                    await uow.work_pools.update(
                        pool_id, {"status": WorkPoolStatus.NOT_READY.value, "last_transitioned_status_at": now}
                    )
                    changed.append(work_pool_status_event(pool, WorkPoolStatus.NOT_READY.value))
            changed += await work_queue_status_events(uow, await uow.work_queues.mark_unpolled(stale), "NOT_READY")
            changed += await deployment_status_events(uow, await uow.deployments.mark_unpolled(stale), "NOT_READY")
        await self.events.emit(changed)
