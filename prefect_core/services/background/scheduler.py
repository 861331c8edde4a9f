"""The scheduler: keeps every active schedule's future runs inserted.

Idempotent: runs carry deterministic idempotency keys, so repeated ticks, the
fast "recently updated" tick, and other server processes never duplicate one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING
from uuid import UUID

from prefect_core import timeutil
from prefect_core.ports import Storage
from prefect_core.services.background.loops import Loop
from prefect_core.services.scheduling.runs import Horizon, scheduled_runs

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings

log = logging.getLogger("prefect_core.services.scheduler")

_INSERT_BATCH = 500


class Scheduler:
    name = "scheduler"

    def __init__(
        self,
        storage: Storage,
        horizon: Horizon,
        *,
        interval: float = 60.0,
        recent_interval: float = 5.0,
        batch_size: int = 100,
    ) -> None:
        self.storage = storage
        self.horizon = horizon
        self.interval = interval
        self.recent_interval = recent_interval
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> Scheduler:
        opt = settings.service_option
        horizon = Horizon(
            max_runs=int(opt("scheduler", "max_runs", 100)),
            min_runs=int(opt("scheduler", "min_runs", 3)),
            max_time=dt.timedelta(seconds=opt("scheduler", "max_scheduled_time", 100 * 86400)),
            min_time=dt.timedelta(seconds=opt("scheduler", "min_scheduled_time", 3600)),
        )
        return cls(
            services.storage,
            horizon,
            interval=opt("scheduler", "loop_seconds", 60.0),
            recent_interval=opt("scheduler", "recent_deployments_loop_seconds", 5.0),
            batch_size=int(opt("scheduler", "deployment_batch_size", 100)),
        )

    def loops(self) -> list[Loop]:
        return [
            Loop("scheduler", self.interval, self.tick),
            Loop("scheduler-recent", self.recent_interval, self.tick_recent),
        ]

    async def tick(self) -> int:
        """Schedule every deployment that is short of runs. Returns runs inserted."""
        return await self._schedule(updated_since=None)

    async def tick_recent(self) -> int:
        """Schedule deployments updated in the last few seconds, without waiting for `tick`."""
        since = timeutil.now() - dt.timedelta(seconds=self.recent_interval + 1)
        return await self._schedule(updated_since=since)

    async def _schedule(self, updated_since: dt.datetime | None) -> int:
        inserted = 0
        after: UUID | None = None
        while True:
            now = timeutil.now()
            async with self.storage.read() as uow:
                ids = await uow.deployments.needing_runs(
                    now,
                    min_runs=self.horizon.min_runs,
                    min_horizon=now + self.horizon.min_time,
                    updated_since=updated_since,
                    after_id=after,
                    limit=self.batch_size,
                )
                runs = []
                for deployment_id in ids:
                    deployment = await uow.deployments.get(deployment_id)
                    if deployment is None or deployment.paused:
                        continue
                    schedules = [s for s in deployment.schedules if s.active]
                    try:
                        runs += scheduled_runs(
                            deployment,
                            schedules,
                            start=now,
                            end=now + self.horizon.max_time,
                            min_time=self.horizon.min_time,
                            min_runs=self.horizon.min_runs,
                            max_runs=self.horizon.max_runs,
                        )
                    except Exception:
                        log.exception("cannot schedule deployment %s", deployment_id)
            for start in range(0, len(runs), _INSERT_BATCH):
                async with self.storage.write() as uow:
                    inserted += len(await uow.scheduled_runs.insert_many(runs[start : start + _INSERT_BATCH]))
            if len(ids) < self.batch_size:
                break
            after = ids[-1]
        if inserted:
            log.info("scheduled %d runs", inserted)
        return inserted
