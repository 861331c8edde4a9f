"""The UI's summaries, as aggregate queries that mean the same on every SQL database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core.schemas.states import StateType
from prefect_storage_sql import tables
from prefect_storage_sql.filters import TRUE, flow_runs_in_deployments_and_queues, task_runs_matching
from prefect_storage_sql.repositories.base import SqlRepository, page
from prefect_storage_sql.repositories.flow_runs import SqlFlowRunRepository

fr, tr, d = tables.flow_run, tables.task_run, tables.deployment
_FAILED = (StateType.FAILED.value, StateType.CRASHED.value)


class SqlUiQueryRepository(SqlRepository):
    async def deployment_counts(self, flow_ids: Sequence[UUID]) -> dict[UUID, int]:
        if not flow_ids:
            return {}
        stmt = sa.select(d.c.flow_id, sa.func.count()).where(d.c.flow_id.in_(list(flow_ids))).group_by(d.c.flow_id)
        return {row[0]: int(row[1]) for row in await self.conn.execute(stmt)}

    async def next_scheduled_runs(self, flow_ids: Sequence[UUID]) -> list[dict[str, Any]]:
        if not flow_ids:
            return []
        scheduled = sa.and_(fr.c.flow_id.in_(list(flow_ids)), fr.c.state_type == StateType.SCHEDULED.value)
        first = (
            sa.select(fr.c.flow_id, sa.func.min(fr.c.next_scheduled_start_time).label("due"))
            .where(scheduled)
            .group_by(fr.c.flow_id)
            .subquery()
        )
        stmt = (
            sa.select(
                fr.c.id, fr.c.flow_id, fr.c.name, fr.c.state_name, fr.c.state_type, fr.c.next_scheduled_start_time
            )
            .join(first, sa.and_(first.c.flow_id == fr.c.flow_id, first.c.due == fr.c.next_scheduled_start_time))
            .where(fr.c.state_type == StateType.SCHEDULED.value)
            .order_by(fr.c.flow_id, fr.c.id)
        )
        return [dict(row._mapping) for row in await self.conn.execute(stmt)]

    async def flow_run_points(self, filters: Any, sort: Any, offset: int, limit: int) -> list[dict[str, Any]]:
        # The rows and order of `flow_runs.filter`, but six columns instead of a whole run
        # with its state to validate: a dashboard's page of points costs the loop little.
        runs = SqlFlowRunRepository(self.conn, self.support)
        cols = ("id", "state_type", "start_time", "expected_start_time", "total_run_time", "state_timestamp")
        stmt = sa.select(*(fr.c[c] for c in cols)).where(runs.matching(filters))
        stmt = page(stmt.order_by(*runs.sorts[sort], fr.c.id), offset, limit)
        return [dict(zip(cols, row, strict=True)) for row in await self.conn.execute(stmt)]

    async def task_run_counts(self, flow_run_ids: Sequence[UUID]) -> dict[UUID, int]:
        if not flow_run_ids:
            return {}
        stands_for_subflow = sa.exists().where(fr.c.parent_task_run_id == tr.c.id)
        stmt = (
            sa.select(tr.c.flow_run_id, sa.func.count())
            .where(tr.c.flow_run_id.in_(list(flow_run_ids)), ~stands_for_subflow)
            .group_by(tr.c.flow_run_id)
        )
        return {row[0]: int(row[1]) for row in await self.conn.execute(stmt)}

    def _task_runs(self, filters: Any) -> sa.ColumnElement[bool]:
        cond = task_runs_matching(filters, self.support)
        in_deployments = flow_runs_in_deployments_and_queues(filters, self.support)
        if in_deployments is not TRUE:
            cond = sa.and_(cond, tr.c.flow_run_id.in_(sa.select(fr.c.id).where(in_deployments)))
        return cond

    async def task_run_state_counts(self, filters: Any) -> dict[str, int]:
        stmt = (
            sa.select(tr.c.state_type, sa.func.count())
            .where(self._task_runs(filters), tr.c.state_type.is_not(None))
            .group_by(tr.c.state_type)
        )
        return {str(row[0]): int(row[1]) for row in await self.conn.execute(stmt)}

    async def task_run_buckets(self, filters: Any, boundaries: Sequence[dt.datetime]) -> list[tuple[int, int, int]]:
        # A run's bucket is how many boundaries it started at or after: plain comparisons,
        # so no date arithmetic that differs between databases.
        bucket = sum(
            (sa.case((tr.c.start_time >= boundary, 1), else_=0) for boundary in boundaries), start=sa.literal(0)
        )
        failed = sa.case((tr.c.state_type.in_(_FAILED), 1), else_=0)
        rows = (
            sa.select(bucket.label("bucket"), failed.label("failed"))
            .where(self._task_runs(filters), tr.c.start_time.is_not(None))
            .subquery()
        )
        stmt = sa.select(
            rows.c.bucket, sa.func.count() - sa.func.sum(rows.c.failed), sa.func.sum(rows.c.failed)
        ).group_by(rows.c.bucket)
        return [(int(b), int(done), int(bad)) for b, done, bad in await self.conn.execute(stmt)]
