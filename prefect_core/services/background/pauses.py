"""Pause expirations: a flow run paused past its timeout fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.ports import Storage
from prefect_core.schemas import filters as f
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.states import State, StateType
from prefect_core.services.background.loops import Loop
from prefect_core.services.orchestration import OrchestrationService

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings

_BATCH = 200
NEVER_RESUMED = "The flow was paused and never resumed."


class PauseExpirations:
    name = "pause_expirations"

    def __init__(self, storage: Storage, orchestration: OrchestrationService, *, interval: float = 5.0) -> None:
        self.storage = storage
        self.orchestration = orchestration
        self.interval = interval

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> PauseExpirations:
        return cls(
            services.storage,
            services.orchestration,
            interval=settings.service_option("pause_expirations", "loop_seconds", 5.0),
        )

    def loops(self) -> list[Loop]:
        return [Loop(self.name, self.interval, self.tick)]

    async def tick(self) -> int:
        query = RunFilterBody(
            flow_runs=f.FlowRunFilter(
                state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=[StateType.PAUSED]))
            )
        )
        async with self.storage.read() as uow:
            runs = await uow.flow_runs.filter(query, FlowRunSort.ID_DESC, 0, _BATCH)
        now, failed = timeutil.now(), 0
        for run in runs:
            timeout = run.state.state_details.pause_timeout if run.state else None
            if timeout is None or timeout >= now:
                continue
            try:
                await self.orchestration.set_flow_run_state(
                    run.id, State(type=StateType.FAILED, message=NEVER_RESUMED), force=True
                )
            except NotFound:
                continue
            failed += 1
        return failed
