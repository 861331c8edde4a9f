"""The summaries the UI asks for: counts and next runs per flow, task-run tallies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.sorting import FlowRunSort


class UiQueryRepository(Protocol):
    """Read-only aggregates over flows, flow runs, deployments and task runs."""

    async def deployment_counts(self, flow_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Deployments per flow, for the flows that have any."""
        ...

    async def next_scheduled_runs(self, flow_ids: Sequence[UUID]) -> list[dict[str, Any]]:
        """Per flow with a SCHEDULED run, the one due first: id, flow_id, name, state_name,
        state_type, next_scheduled_start_time."""
        ...

    async def flow_run_points(
        self, filters: RunFilterBody, sort: FlowRunSort, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """The page of matching flow runs `flow_runs.filter` would return, each as its id,
        state_type, start_time, expected_start_time, total_run_time and state_timestamp
        (the facts a history point is made of, without reading the whole run)."""
        ...

    async def task_run_counts(self, flow_run_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Task runs per flow run, not counting the tasks that stand for subflow runs."""
        ...

    async def task_run_state_counts(self, filters: RunFilterBody) -> dict[str, int]:
        """Matching task runs per state type (types with none are absent)."""
        ...

    async def task_run_buckets(
        self, filters: RunFilterBody, boundaries: Sequence[dt.datetime]
    ) -> list[tuple[int, int, int]]:
        """(bucket, completed, failed) of matching task runs, bucket i being the runs that
        started at or after boundaries[i-1] and before boundaries[i] (bucket 0: before
        boundaries[0]). Failed means FAILED or CRASHED; completed, any other state."""
        ...
