"""Work pools, their queues, and their workers."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from pydantic import BaseModel

from prefect_core import run_facts, timeutil
from prefect_core.schemas.filters import WorkerFilter, WorkPoolFilter, WorkQueueFilter
from prefect_core.schemas.work_pools import Worker, WorkerStatus, WorkPool, WorkQueue, WorkQueueStatus
from prefect_storage_sql import tables, worker_runs
from prefect_storage_sql.filters import work_pool_condition, work_queue_condition, worker_condition
from prefect_storage_sql.repositories.base import SqlRepository, page, prebuilt, unpolled

p, q, w, fr = tables.work_pool, tables.work_queue, tables.worker, tables.flow_run


def _row_values(model: BaseModel, table: sa.Table, exclude: set[str] | None = None) -> dict[str, Any]:
    data = model.model_dump(mode="json", exclude=exclude)
    now = timeutil.now()
    values = {k: v for k, v in data.items() if k in table.c}
    values.update(created=now, updated=now)
    return values


class SqlWorkPoolRepository(SqlRepository):
    async def get(self, pool_id: UUID) -> WorkPool | None:
        row = (await self.conn.execute(sa.select(p).where(p.c.id == pool_id))).first()
        return WorkPool.model_validate(row._mapping) if row else None

    async def get_by_name(self, name: str) -> WorkPool | None:
        row = (await self.conn.execute(sa.select(p).where(p.c.name == name))).first()
        return WorkPool.model_validate(row._mapping) if row else None

    async def insert(self, pool: WorkPool) -> bool:
        stmt = self.support.insert_ignoring_conflicts(p, ["name"]).values(**_row_values(pool, p, {"active_slots"}))
        return (await self.conn.execute(stmt)).rowcount > 0

    async def update(self, pool_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(p, pool_id, values)

    async def delete(self, pool_id: UUID) -> bool:
        return await self._delete_by_id(p, pool_id)

    async def filter(self, filter: WorkPoolFilter | None, offset: int, limit: int | None) -> list[WorkPool]:
        stmt = page(sa.select(p).where(work_pool_condition(filter)).order_by(p.c.name, p.c.id), offset, limit)
        return [WorkPool.model_validate(row._mapping) for row in await self.conn.execute(stmt)]

    async def count(self, filter: WorkPoolFilter | None) -> int:
        stmt = sa.select(sa.func.count()).select_from(p).where(work_pool_condition(filter))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def active_slots(self, pool_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, int]:
        if not pool_ids:
            return {}
        stmt = (
            sa.select(q.c.work_pool_id, sa.func.count(fr.c.id))
            .select_from(q.join(fr, fr.c.work_queue_id == q.c.id))
            .where(q.c.work_pool_id.in_(list(pool_ids)), worker_runs.holds_slot(now))
            .group_by(q.c.work_pool_id)
        )
        counts = {row[0]: int(row[1]) for row in await self.conn.execute(stmt)}
        return {pool_id: counts.get(pool_id, 0) for pool_id in pool_ids}


def _queue_select() -> sa.Select[Any]:
    return sa.select(q, p.c.name.label("work_pool_name")).select_from(q.join(p, p.c.id == q.c.work_pool_id))


def _queue(row: sa.Row[Any]) -> WorkQueue:
    return WorkQueue.model_validate(row._mapping)


class SqlWorkQueueRepository(SqlRepository):
    async def get(self, queue_id: UUID) -> WorkQueue | None:
        row = (await self.conn.execute(_queue_select().where(q.c.id == queue_id))).first()
        return _queue(row) if row else None

    async def get_by_name(self, pool_id: UUID, name: str) -> WorkQueue | None:
        row = (await self.conn.execute(_queue_select().where(q.c.work_pool_id == pool_id, q.c.name == name))).first()
        return _queue(row) if row else None

    async def insert(self, queue: WorkQueue) -> bool:
        values = _row_values(queue, q, {"active_slots", "work_pool_name"})
        stmt = self.support.insert_ignoring_conflicts(q, ["work_pool_id", "name"]).values(**values)
        return (await self.conn.execute(stmt)).rowcount > 0

    async def update(self, queue_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(q, queue_id, values)

    async def delete(self, queue_id: UUID) -> bool:
        return await self._delete_by_id(q, queue_id)

    def _where(self, pool_id: UUID | None, filter: WorkQueueFilter | None) -> sa.ColumnElement[bool]:
        cond = work_queue_condition(filter)
        return sa.and_(cond, q.c.work_pool_id == pool_id) if pool_id is not None else cond

    async def list(
        self, pool_id: UUID | None, filter: WorkQueueFilter | None, offset: int, limit: int | None
    ) -> list[WorkQueue]:
        stmt = _queue_select().where(self._where(pool_id, filter))
        order = (q.c.priority, q.c.name, q.c.id) if pool_id is not None else (q.c.name, q.c.id)
        return [_queue(row) for row in await self.conn.execute(page(stmt.order_by(*order), offset, limit))]

    async def count(self, pool_id: UUID | None, filter: WorkQueueFilter | None) -> int:
        stmt = sa.select(sa.func.count()).select_from(q).where(self._where(pool_id, filter))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def set_priorities(self, priorities: dict[UUID, int]) -> None:
        for queue_id, priority in priorities.items():
            await self.conn.execute(sa.update(q).where(q.c.id == queue_id).values(priority=priority))

    async def mark_polled(self, queue_ids: Sequence[UUID], now: dt.datetime) -> builtins.list[UUID]:
        if not queue_ids:
            return []
        ids = list(queue_ids)
        await self.conn.execute(sa.update(q).where(q.c.id.in_(ids)).values(last_polled=now))
        became_ready = (
            sa.update(q)
            .where(q.c.id.in_(ids), q.c.is_paused.is_(False), q.c.status != WorkQueueStatus.READY.value)
            .values(status=WorkQueueStatus.READY.value)
            .returning(q.c.id)
        )
        return [row[0] for row in await self.conn.execute(became_ready)]

    # `builtins.list`: in this class body `list` names the method above.
    async def mark_unpolled(self, polled_before: dt.datetime) -> builtins.list[UUID]:
        stale = prebuilt(("work_queue", "unpolled"), lambda: unpolled(q, WorkQueueStatus.READY.value))
        ids = [row[0] for row in await self.conn.execute(stale, {"_polled_before": polled_before})]
        if ids:
            await self.conn.execute(sa.update(q).where(q.c.id.in_(ids)).values(status=WorkQueueStatus.NOT_READY.value))
        return ids

    async def active_slots(self, queue_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, int]:
        if not queue_ids:
            return {}
        stmt = (
            sa.select(fr.c.work_queue_id, sa.func.count(fr.c.id))
            .where(fr.c.work_queue_id.in_(list(queue_ids)), worker_runs.holds_slot(now))
            .group_by(fr.c.work_queue_id)
        )
        counts = {row[0]: int(row[1]) for row in await self.conn.execute(stmt)}
        return {queue_id: counts.get(queue_id, 0) for queue_id in queue_ids}

    async def late_runs_count(self, queue_id: UUID) -> int:
        stmt = (
            sa.select(sa.func.count())
            .select_from(fr)
            .where(
                fr.c.work_queue_id == queue_id,
                fr.c.state_type == "SCHEDULED",
                fr.c.state_name == run_facts.LATE_STATE_NAME,
            )
        )
        return int((await self.conn.execute(stmt)).scalar_one())


class SqlWorkerRepository(SqlRepository):
    async def heartbeat(self, pool_id: UUID, name: str, interval: int | None, now: dt.datetime) -> None:
        changes: dict[str, Any] = {"last_heartbeat_time": now, "status": WorkerStatus.ONLINE.value, "updated": now}
        if interval is not None:
            changes["heartbeat_interval_seconds"] = interval
        result = await self.conn.execute(
            sa.update(w).where(w.c.work_pool_id == pool_id, w.c.name == name).values(**changes)
        )
        if result.rowcount == 0:
            worker = Worker(name=name, work_pool_id=pool_id)
            values = {**_row_values(worker, w), **changes}
            await self.conn.execute(
                self.support.insert_ignoring_conflicts(w, ["work_pool_id", "name"]).values(**values)
            )

    async def filter(self, pool_id: UUID, filter: WorkerFilter | None, offset: int, limit: int | None) -> list[Worker]:
        stmt = sa.select(w).where(w.c.work_pool_id == pool_id, worker_condition(filter))
        stmt = page(stmt.order_by(w.c.last_heartbeat_time.desc(), w.c.id), offset, limit)
        return [Worker.model_validate(row._mapping) for row in await self.conn.execute(stmt)]

    async def delete(self, pool_id: UUID, name: str) -> bool:
        result = await self.conn.execute(sa.delete(w).where(w.c.work_pool_id == pool_id, w.c.name == name))
        return result.rowcount > 0

    async def mark_offline(self, now: dt.datetime, *, default_interval: int, multiple: float) -> list[UUID]:
        online = prebuilt(
            ("worker", "online"),
            lambda: sa.select(w.c.id, w.c.work_pool_id, w.c.last_heartbeat_time, w.c.heartbeat_interval_seconds).where(
                w.c.status == WorkerStatus.ONLINE.value
            ),
        )
        silent: list[tuple[UUID, UUID]] = []
        for row in await self.conn.execute(online):
            interval = row.heartbeat_interval_seconds or default_interval
            last = row.last_heartbeat_time
            if last is None or last < now - dt.timedelta(seconds=interval * multiple):
                silent.append((row.id, row.work_pool_id))
        if silent:
            await self.conn.execute(
                sa.update(w).where(w.c.id.in_([i for i, _ in silent])).values(status=WorkerStatus.OFFLINE.value)
            )
        return sorted({pool for _, pool in silent}, key=str)

    async def count_online(self, pool_id: UUID) -> int:
        stmt = (
            sa.select(sa.func.count())
            .select_from(w)
            .where(w.c.work_pool_id == pool_id, w.c.status == WorkerStatus.ONLINE.value)
        )
        return int((await self.conn.execute(stmt)).scalar_one())
