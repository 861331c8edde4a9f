"""Cancellation clean-up: what a cancelled flow run leaves behind.

- Non-terminal task runs of a recently cancelled flow run are cancelled.
- Subflow runs whose parent flow run was cancelled are cancelled (or set
  CANCELLING, when a deployment's infrastructure has to stop them).
- A flow run CANCELLING for longer than the timeout is cancelled.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.ports import Storage
from prefect_core.schemas import filters as f
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.sorting import FlowRunSort, TaskRunSort
from prefect_core.schemas.states import TERMINAL_STATES, State, StateType
from prefect_core.services.background.loops import Loop
from prefect_core.services.orchestration import OrchestrationService

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings

_BATCH = 200
_NON_TERMINAL = [t for t in StateType if t not in TERMINAL_STATES]
PARENT_CANCELLED = "The parent flow run was cancelled."
TIMED_OUT = "The flow run was cancelled because it stayed CANCELLING too long."


class CancellationCleanup:
    name = "cancellation_cleanup"

    def __init__(
        self, storage: Storage, orchestration: OrchestrationService, *, interval: float = 20.0, timeout: float = 300.0
    ) -> None:
        self.storage = storage
        self.orchestration = orchestration
        self.interval = interval
        self.timeout = timeout

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> CancellationCleanup:
        opt = settings.service_option
        return cls(
            services.storage,
            services.orchestration,
            interval=opt("cancellation_cleanup", "loop_seconds", 20.0),
            timeout=opt("cancellation_cleanup", "cancelling_timeout_seconds", 300.0),
        )

    def loops(self) -> list[Loop]:
        return [Loop(self.name, self.interval, self.tick)]

    async def tick(self) -> None:
        await self.cancel_orphaned_task_runs()
        await self.cancel_orphaned_subflows()
        await self.cancel_stuck_cancelling()

    async def cancel_orphaned_task_runs(self) -> None:
        since = timeutil.now() - dt.timedelta(days=1)
        cancelled = f.FlowRunFilter(
            state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=[StateType.CANCELLED])),
            end_time=f.FlowRunFilterEndTime(after_=since),
        )
        query = RunFilterBody(
            flow_runs=cancelled,
            task_runs=f.TaskRunFilter(state=f.TaskRunFilterState(type=f.TaskRunFilterStateType(any_=_NON_TERMINAL))),
        )
        async with self.storage.read() as uow:
            # Most ticks find no recently cancelled flow run: that cheap (prebuilt) look
            # spares them the joined task-run query, which could only find nothing.
            if not await uow.flow_runs.filter(RunFilterBody(flow_runs=cancelled), FlowRunSort.ID_DESC, 0, 1):
                return
            task_runs = await uow.task_runs.filter(query, TaskRunSort.ID_DESC, 0, _BATCH)
        for task_run in task_runs:
            try:
                await self.orchestration.set_task_run_state(
                    task_run.id, State(type=StateType.CANCELLED, message=PARENT_CANCELLED), force=True
                )
            except NotFound:
                continue

    async def cancel_orphaned_subflows(self) -> None:
        query = RunFilterBody(
            flow_runs=f.FlowRunFilter(
                parent_task_run_id=f.FlowRunFilterParentTaskRunId(is_null_=False),
                state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=_NON_TERMINAL)),
            )
        )
        async with self.storage.read() as uow:
            subflows = await uow.flow_runs.filter(query, FlowRunSort.ID_DESC, 0, _BATCH)
            doomed = []
            for run in subflows:
                task = await uow.task_runs.get(run.parent_task_run_id) if run.parent_task_run_id else None
                parent = await uow.flow_runs.get(task.flow_run_id) if task and task.flow_run_id else None
                if parent is None or parent.state_type is not StateType.CANCELLED:
                    continue
                if run.deployment_id and run.state_type is StateType.CANCELLING:
                    continue
                doomed.append(run)
        for run in doomed:
            kind = StateType.CANCELLING if run.deployment_id else StateType.CANCELLED
            try:
                await self.orchestration.set_flow_run_state(run.id, State(type=kind, message=PARENT_CANCELLED))
            except NotFound:
                continue

    async def cancel_stuck_cancelling(self) -> None:
        cutoff = timeutil.now() - dt.timedelta(seconds=self.timeout)
        query = RunFilterBody(
            flow_runs=f.FlowRunFilter(
                state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=[StateType.CANCELLING]))
            )
        )
        async with self.storage.read() as uow:
            runs = await uow.flow_runs.filter(query, FlowRunSort.ID_DESC, 0, _BATCH)
        for run in runs:
            if run.state is None or run.state.timestamp > cutoff:
                continue
            try:
                await self.orchestration.set_flow_run_state(run.id, State(type=StateType.CANCELLED, message=TIMED_OUT))
            except NotFound:
                continue
