"""Scheduled flow runs in bulk: the scheduler's inserts, deletes, and workers' claims."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.ports import ClaimedRun, WorkerRunQuery
from prefect_core.schemas.runs import FlowRun
from prefect_storage_sql import tables, worker_runs
from prefect_storage_sql.repositories.base import SqlRepository
from prefect_storage_sql.repositories.states import state_row

fr, frs = tables.flow_run, tables.flow_run_state

#: Keep IN lists and multi-row inserts well under every driver's parameter limit.
_CHUNK = 400

_NOT_STORED = {"state", "estimated_run_time", "estimated_start_time_delta", "work_pool_id", "work_pool_name"}


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _run_row(run: FlowRun, now: dt.datetime) -> dict[str, Any]:
    assert run.state is not None
    data = run.model_dump(mode="json", exclude=_NOT_STORED)
    row = {k: v for k, v in data.items() if k in fr.c}
    row.update(
        created=now,
        updated=now,
        state_id=run.state.id,
        state_type=run.state.type.value,
        state_name=run.state.name,
        state_timestamp=run.state.timestamp,
    )
    return row


class SqlScheduledRunRepository(SqlRepository):
    async def insert_many(self, runs: Sequence[FlowRun]) -> list[UUID]:
        if not runs:
            return []
        now = timeutil.now()
        insert = self.support.insert_ignoring_conflicts(fr, ["flow_id", "idempotency_key"])
        for chunk in _chunks(runs):
            await self.conn.execute(insert, [_run_row(run, now) for run in chunk])
        # A run skipped for its idempotency key left no row under its own id.
        inserted: set[UUID] = set()
        for chunk in _chunks([run.id for run in runs]):
            inserted.update(row[0] for row in await self.conn.execute(sa.select(fr.c.id).where(fr.c.id.in_(chunk))))
        states = [state_row(run.id, run.state) for run in runs if run.id in inserted and run.state]
        for chunk in _chunks(states):
            await self.conn.execute(sa.insert(frs), list(chunk))
        return [run.id for run in runs if run.id in inserted]

    async def delete_unstarted(
        self, deployment_id: UUID, *, auto_scheduled_only: bool, after: dt.datetime | None
    ) -> int:
        cond = sa.and_(
            fr.c.deployment_id == deployment_id,
            fr.c.state_type == "SCHEDULED",
            fr.c.run_count == 0,
            # Runs waiting on a concurrency slot were really due; keep them.
            fr.c.state_name != "AwaitingConcurrencySlot",
        )
        if auto_scheduled_only:
            cond = sa.and_(cond, fr.c.auto_scheduled.is_(True))
        if after is not None:
            cond = sa.and_(cond, fr.c.next_scheduled_start_time > after)
        result = await self.conn.execute(sa.delete(fr).where(cond))
        return result.rowcount

    async def claim(self, query: WorkerRunQuery) -> list[ClaimedRun]:
        rows = (await self.conn.execute(self.support.scheduled_runs_to_claim(query))).all()
        if not rows:
            return []
        # Cap each pool's total at its free slots (dialects cap each queue's share).
        pool_free = {
            row[0]: max(0, int(row[1])) for row in await self.conn.execute(sa.select(*worker_runs.pool_slots(query).c))
        }
        claimed: list[ClaimedRun] = []
        for row in rows:
            pool_id = row.work_pool_id
            if pool_id in pool_free:
                if pool_free[pool_id] <= 0:
                    continue
                pool_free[pool_id] -= 1
            claimed.append(ClaimedRun(pool_id, row.work_queue_id, row.flow_run_id))
        for chunk in _chunks([c.flow_run_id for c in claimed]):
            await self.conn.execute(sa.update(fr).where(fr.c.id.in_(chunk)).values(claimed_until=query.claim_until))
        return claimed
