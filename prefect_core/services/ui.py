"""The summaries behind the UI's dashboard and lists (`/ui/*`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from uuid import UUID

from prefect_core import run_facts, timeutil
from prefect_core.errors import InvalidInput, NotFound
from prefect_core.ports import Storage
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.filters import TaskRunFilterState, TaskRunFilterStateType
from prefect_core.schemas.states import TERMINAL_STATES, StateType
from prefect_core.schemas.ui import (
    DASHBOARD_BUCKETS,
    CountByState,
    DashboardCountsBody,
    FlowRunHistoryQuery,
    SimpleFlowRun,
    SimpleNextFlowRun,
    TaskRunCount,
    UITaskRun,
)


def _end_of_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=59, microsecond=999999)


class UiService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def deployment_counts(self, flow_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Deployments per asked flow (0 for none), in the order asked."""
        async with self.storage.read() as uow:
            counts = await uow.ui_queries.deployment_counts(flow_ids)
        return {flow_id: counts.get(flow_id, 0) for flow_id in flow_ids}

    async def next_runs(self, flow_ids: Sequence[UUID]) -> dict[UUID, SimpleNextFlowRun | None]:
        """Each asked flow's SCHEDULED run due first (None for a flow with none)."""
        async with self.storage.read() as uow:
            rows = await uow.ui_queries.next_scheduled_runs(flow_ids)
        found = {row["flow_id"]: SimpleNextFlowRun.model_validate(row) for row in rows}
        return {flow_id: found.get(flow_id) for flow_id in flow_ids}

    async def flow_run_history(self, query: FlowRunHistoryQuery) -> list[SimpleFlowRun]:
        async with self.storage.read() as uow:
            rows = await uow.ui_queries.flow_run_points(query, query.sort, query.offset, query.limit)
        now = timeutil.now()
        points = []
        for row in rows:
            state_type = None if row["state_type"] is None else StateType(row["state_type"])
            start, expected = row["start_time"], row["expected_start_time"]
            points.append(
                SimpleFlowRun(
                    id=row["id"],
                    state_type=state_type,
                    timestamp=start or expected,
                    duration=run_facts.estimated_run_time(
                        row["total_run_time"], state_type, row["state_timestamp"], now
                    ),
                    lateness=run_facts.lateness_seconds(expected, start, state_type, now),
                )
            )
        return points

    async def task_run_counts(self, flow_run_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Task runs per asked flow run, not counting subflow runs' tasks."""
        async with self.storage.read() as uow:
            counts = await uow.ui_queries.task_run_counts(flow_run_ids)
        return {run_id: counts.get(run_id, 0) for run_id in flow_run_ids}

    async def task_run_state_counts(self, body: RunFilterBody) -> CountByState:
        async with self.storage.read() as uow:
            counts = await uow.ui_queries.task_run_state_counts(body)
        return CountByState.model_validate(counts)

    async def dashboard_counts(self, body: DashboardCountsBody) -> list[TaskRunCount]:
        """Completed and failed task runs in 20 equal spans from `start_time.after_`
        (to the minute) to `start_time.before_` (default: now), counting terminal runs only."""
        window = body.task_runs.start_time
        if window is None or window.after_ is None:
            raise InvalidInput("task_runs.start_time.after_ is required")
        start = window.after_.replace(second=0, microsecond=0)
        end = _end_of_minute(window.before_ or timeutil.now())
        step = (end - start) / DASHBOARD_BUCKETS
        terminal = TaskRunFilterStateType(any_=sorted(TERMINAL_STATES, key=lambda s: s.value))
        filters = body.model_copy(
            update={
                "task_runs": body.task_runs.model_copy(update={"state": TaskRunFilterState(type=terminal)}),
                "work_pool_queues": body.work_queues or body.work_pool_queues,
            }
        )
        boundaries = [start + step * i for i in range(1, DASHBOARD_BUCKETS)]
        async with self.storage.read() as uow:
            rows = await uow.ui_queries.task_run_buckets(filters, boundaries)
        buckets = [TaskRunCount() for _ in range(DASHBOARD_BUCKETS)]
        for index, completed, failed in rows:
            buckets[min(max(index, 0), DASHBOARD_BUCKETS - 1)] = TaskRunCount(completed=completed, failed=failed)
        return buckets

    async def task_run(self, run_id: UUID) -> UITaskRun:
        """The task run with its flow run's name; NotFound("Task not found") as the reference."""
        async with self.storage.read() as uow:
            run = await uow.task_runs.get(run_id)
            if run is None:
                raise NotFound("Task not found")
            flow_run = await uow.flow_runs.get(run.flow_run_id) if run.flow_run_id else None
        return UITaskRun.model_validate({**run.model_dump(), "flow_run_name": flow_run.name if flow_run else None})
