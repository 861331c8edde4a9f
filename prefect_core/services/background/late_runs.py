"""Late runs: a SCHEDULED run still not started some seconds after its time becomes "Late"."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.ports import Storage
from prefect_core.run_facts import LATE_STATE_NAME
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterNextScheduledStartTime,
    FlowRunFilterState,
    FlowRunFilterStateName,
    FlowRunFilterStateType,
)
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.states import State, StateDetails, StateType
from prefect_core.services.background.loops import Loop
from prefect_core.services.orchestration import OrchestrationService

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings

_BATCH = 400


class LateRuns:
    name = "late_runs"

    def __init__(
        self, storage: Storage, orchestration: OrchestrationService, *, interval: float = 5.0, after: float = 15.0
    ) -> None:
        self.storage = storage
        self.orchestration = orchestration
        self.interval = interval
        self.after = after

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> LateRuns:
        opt = settings.service_option
        return cls(
            services.storage,
            services.orchestration,
            interval=opt("late_runs", "loop_seconds", 5.0),
            after=opt("late_runs", "after_seconds", 15.0),
        )

    def loops(self) -> list[Loop]:
        return [Loop(self.name, self.interval, self.tick)]

    async def tick(self) -> int:
        """Mark the overdue runs Late; returns how many were."""
        cutoff = timeutil.now() - dt.timedelta(seconds=self.after)
        query = RunFilterBody(
            flow_runs=FlowRunFilter(
                next_scheduled_start_time=FlowRunFilterNextScheduledStartTime(before_=cutoff),
                state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]),
                    name=FlowRunFilterStateName(any_=["Scheduled"]),
                ),
            )
        )
        async with self.storage.read() as uow:
            runs = await uow.flow_runs.filter(query, FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC, 0, _BATCH)
        marked = 0
        for run in runs:
            late = State(
                type=StateType.SCHEDULED,
                name=LATE_STATE_NAME,
                state_details=StateDetails(scheduled_time=run.next_scheduled_start_time),
            )
            try:
                result = await self.orchestration.set_flow_run_state(run.id, late, policy="mark_late")
            except NotFound:
                continue
            marked += result.status.value == "ACCEPT"
        return marked
