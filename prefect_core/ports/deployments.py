"""Deployments and their schedules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from prefect_core.ports.run_filters import DeploymentFilters
from prefect_core.schemas.deployments import Deployment, DeploymentConcurrency, DeploymentSort
from prefect_core.schemas.schedules import DeploymentSchedule


class DeploymentRepository(Protocol):
    """Deployments: unique on (flow_id, name). Reads carry schedules and the pool name."""

    async def get(self, deployment_id: UUID) -> Deployment | None: ...
    async def get_by_name(self, flow_name: str, name: str) -> Deployment | None: ...
    async def upsert(self, deployment: Deployment, update_fields: set[str]) -> tuple[Deployment, bool]:
        """Insert `deployment`, or, when (flow_id, name) exists, set `update_fields`
        on the stored one. Returns the stored deployment and whether it was inserted."""
        ...

    async def update(self, deployment_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, deployment_id: UUID) -> bool: ...
    async def filter(
        self, filters: DeploymentFilters, sort: DeploymentSort, offset: int, limit: int | None
    ) -> list[Deployment]: ...
    async def count(self, filters: DeploymentFilters) -> int: ...
    async def mark_polled(
        self, now: dt.datetime, *, deployment_ids: Sequence[UUID] = (), work_queue_ids: Sequence[UUID] = ()
    ) -> list[UUID]:
        """Set last_polled and READY on the deployments given or served by those
        queues; returns the ids that were NOT_READY before."""
        ...

    async def mark_unpolled(self, polled_before: dt.datetime) -> list[UUID]:
        """Set NOT_READY on READY deployments not polled since `polled_before`; returns their ids."""
        ...

    async def needing_runs(
        self,
        now: dt.datetime,
        *,
        min_runs: int,
        min_horizon: dt.datetime,
        updated_since: dt.datetime | None,
        after_id: UUID | None,
        limit: int,
    ) -> list[UUID]:
        """Unpaused deployments (ordered by id, after `after_id`) with an active
        schedule holding fewer than `min_runs` future auto-scheduled runs or none
        reaching `min_horizon`; with `updated_since`, only deployments updated since."""
        ...

    async def lock_concurrency(self, deployment_id: UUID) -> DeploymentConcurrency | None:
        """The global limit that governs the deployment (the one its `concurrency_limit_id`
        names: its own `deployment_limit_name` limit or one linked with
        `global_concurrency_limit_id`), its collision strategy and lease period; None when the
        deployment has no limit (or no longer exists); an inactive limit is returned as such
        (`active` false: no slot free, as the reference treats it). The limit
        row is locked until commit, so two units of work cannot both see a last free slot
        as theirs."""
        ...


class DeploymentScheduleRepository(Protocol):
    """A deployment's schedules, newest-updated first."""

    async def list(self, deployment_id: UUID, *, active_only: bool = False) -> list[DeploymentSchedule]: ...
    async def get(self, deployment_id: UUID, schedule_id: UUID) -> DeploymentSchedule | None: ...
    async def insert_many(self, deployment_id: UUID, schedules: Sequence[DeploymentSchedule]) -> None: ...
    async def update(self, deployment_id: UUID, schedule_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, deployment_id: UUID, schedule_id: UUID) -> bool: ...
    async def delete_all(self, deployment_id: UUID) -> None: ...
