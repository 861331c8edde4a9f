"""Deployments and their schedules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.deployments import (
    DEFAULT_COLLISION_STRATEGY,
    Deployment,
    DeploymentConcurrency,
    DeploymentSort,
    DeploymentStatus,
    GlobalConcurrencyLimit,
)
from prefect_core.schemas.schedules import DeploymentSchedule
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters import deployments_matching
from prefect_storage_sql.repositories.base import SqlRepository, by_id, page, prebuilt, unpolled
from prefect_storage_sql.repositories.concurrency_limits import slot_decay

d, s = tables.deployment, tables.deployment_schedule
fr, wq, wp, cl = tables.flow_run, tables.work_queue, tables.work_pool, tables.concurrency_limit_v2

_SORTS = {
    DeploymentSort.CREATED_DESC: (d.c.created.desc(),),
    DeploymentSort.UPDATED_DESC: (d.c.updated.desc(),),
    DeploymentSort.NAME_ASC: (d.c.name.asc(),),
    DeploymentSort.NAME_DESC: (d.c.name.desc(),),
}

#: Model fields that are not columns of `deployment`.
_NOT_STORED = {"schedules", "global_concurrency_limit", "work_pool_name"}


def deployment_values(deployment: Deployment) -> dict[str, Any]:
    """The row for a deployment (JSON-ready values; the column types convert the rest)."""
    data = deployment.model_dump(mode="json", exclude=_NOT_STORED)
    return {k: v for k, v in data.items() if k in d.c}


def _select() -> sa.Select[Any]:
    return sa.select(d, wp.c.name.label("work_pool_name")).select_from(
        d.outerjoin(wq, wq.c.id == d.c.work_queue_id).outerjoin(wp, wp.c.id == wq.c.work_pool_id)
    )


def _schedule(row: sa.Row[Any]) -> DeploymentSchedule:
    return DeploymentSchedule.model_validate(dict(row._mapping))


def _limit_select() -> sa.Select[Any]:
    return sa.select(d.c.concurrency_limit_id, d.c.concurrency_options).where(by_id(d))


def _linked_limit_select(support: SqlDialectSupport) -> sa.Select[Any]:
    # Slots held as of now: a rate limit's (one linked by the user) decay as time passes.
    held = slot_decay(support).active.label("active_slots")
    return sa.select(cl.c.id, cl.c.limit, cl.c.active, held).where(
        cl.c.id == sa.bindparam("_limit_id", type_=cl.c.id.type)
    )


def _shown_limit(row: Any) -> GlobalConcurrencyLimit:
    fields = ("id", "created", "updated", "active", "name", "limit", "active_slots", "slot_decay_per_second")
    return GlobalConcurrencyLimit.model_validate({name: row[name] for name in fields})


class SqlDeploymentRepository(SqlRepository):
    async def _load(self, stmt: sa.Select[Any]) -> list[Deployment]:
        rows = (await self.conn.execute(stmt)).all()
        if not rows:
            return []
        ids = [row._mapping["id"] for row in rows]
        schedules: dict[UUID, list[DeploymentSchedule]] = {i: [] for i in ids}
        stmt_s = sa.select(s).where(s.c.deployment_id.in_(ids)).order_by(s.c.updated.desc(), s.c.id)
        for row in await self.conn.execute(stmt_s):
            schedules[row._mapping["deployment_id"]].append(_schedule(row))
        linked = [row._mapping["concurrency_limit_id"] for row in rows if row._mapping["concurrency_limit_id"]]
        limits = await self._linked_limits(linked) if linked else {}
        loaded = []
        for row in rows:
            m = row._mapping
            shown = limits.get(m["concurrency_limit_id"]) if m["concurrency_limit_id"] is not None else None
            # The deprecated `concurrency_limit` is answered null, as the reference does
            # (`global_concurrency_limit` says which limit governs the deployment).
            loaded.append(
                Deployment.model_validate(
                    {**m, "concurrency_limit": None, "schedules": schedules[m["id"]], "global_concurrency_limit": shown}
                )
            )
        return loaded

    async def _linked_limits(self, ids: list[UUID]) -> dict[UUID, GlobalConcurrencyLimit]:
        stmt = sa.select(cl).where(cl.c.id.in_(ids))
        return {row._mapping["id"]: _shown_limit(row._mapping) for row in await self.conn.execute(stmt)}

    async def lock_concurrency(self, deployment_id: UUID) -> DeploymentConcurrency | None:
        # Unlimited deployments (the usual case) cost one read and lock nothing.
        limits = prebuilt(("deployment", "limit"), _limit_select)
        row = (await self.conn.execute(limits, {"_row_id": deployment_id})).first()
        if row is None or row.concurrency_limit_id is None:
            return None
        locked = prebuilt(
            ("deployment", "linked_limit", "locked", self.support.name),
            lambda: self.support.lock_for_update(_linked_limit_select(self.support)),
        )
        params = {"_limit_id": row.concurrency_limit_id, "_now": timeutil.now().timestamp()}
        backing = (await self.conn.execute(locked, params)).first()
        if backing is None:
            return None
        m = backing._mapping
        options = row.concurrency_options or {}
        strategy = options.get("collision_strategy") or DEFAULT_COLLISION_STRATEGY
        grace = options.get("grace_period_seconds")
        return DeploymentConcurrency(
            limit=m["limit"],
            collision_strategy=strategy,
            active_slots=m["active_slots"],
            limit_id=m["id"],
            lease_seconds=float(grace) if grace else None,
            active=bool(m["active"]),
        )

    async def get(self, deployment_id: UUID) -> Deployment | None:
        found = await self._load(_select().where(d.c.id == deployment_id))
        return found[0] if found else None

    async def get_by_name(self, flow_name: str, name: str) -> Deployment | None:
        flow = tables.flow
        stmt = _select().where(
            d.c.name == name,
            d.c.flow_id == sa.select(flow.c.id).where(flow.c.name == flow_name).scalar_subquery(),
        )
        found = await self._load(stmt)
        return found[0] if found else None

    async def upsert(self, deployment: Deployment, update_fields: set[str]) -> tuple[Deployment, bool]:
        now = timeutil.now()
        values = {**deployment_values(deployment), "created": now, "updated": now}
        stmt = self.support.insert_ignoring_conflicts(d, ["flow_id", "name"]).values(**values)
        inserted = (await self.conn.execute(stmt)).rowcount > 0
        if not inserted:
            changes = {k: values[k] for k in update_fields if k in values and k not in ("id", "created")}
            await self.conn.execute(
                sa.update(d)
                .where(d.c.flow_id == deployment.flow_id, d.c.name == deployment.name)
                .values(**changes, updated=now)
            )
        found = await self._load(_select().where(d.c.flow_id == deployment.flow_id, d.c.name == deployment.name))
        return found[0], inserted

    async def update(self, deployment_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(d, deployment_id, values)

    async def delete(self, deployment_id: UUID) -> bool:
        return await self._delete_by_id(d, deployment_id)

    async def filter(self, filters: Any, sort: DeploymentSort, offset: int, limit: int | None) -> list[Deployment]:
        stmt = _select().where(deployments_matching(filters, self.support))
        return await self._load(page(stmt.order_by(*_SORTS[sort], d.c.id), offset, limit))

    async def count(self, filters: Any) -> int:
        stmt = sa.select(sa.func.count()).select_from(d).where(deployments_matching(filters, self.support))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def mark_polled(
        self, now: dt.datetime, *, deployment_ids: Sequence[UUID] = (), work_queue_ids: Sequence[UUID] = ()
    ) -> list[UUID]:
        if not deployment_ids and not work_queue_ids:
            return []
        which = sa.or_(d.c.id.in_(list(deployment_ids)), d.c.work_queue_id.in_(list(work_queue_ids)))
        unready = sa.select(d.c.id).where(which, d.c.status == DeploymentStatus.NOT_READY.value)
        newly_ready = [row[0] for row in await self.conn.execute(unready)]
        # `updated` is left alone: it means "changed by a user", which polling is not.
        await self.conn.execute(sa.update(d).where(which).values(status=DeploymentStatus.READY.value, last_polled=now))
        return newly_ready

    async def mark_unpolled(self, polled_before: dt.datetime) -> list[UUID]:
        stale = prebuilt(("deployment", "unpolled"), lambda: unpolled(d, DeploymentStatus.READY.value))
        ids = [row[0] for row in await self.conn.execute(stale, {"_polled_before": polled_before})]
        if ids:
            await self.conn.execute(sa.update(d).where(d.c.id.in_(ids)).values(status=DeploymentStatus.NOT_READY.value))
        return ids

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
        # Built once per combination of the optional bounds: the scheduler asks every few seconds.
        stmt = prebuilt(
            ("deployment", "needing_runs", updated_since is None, after_id is None),
            lambda: _needing_runs(with_updated_since=updated_since is not None, with_after_id=after_id is not None),
        )
        params = {"_now": now, "_min_runs": min_runs, "_min_horizon": min_horizon, "_limit": limit}
        if updated_since is not None:
            params["_updated_since"] = updated_since
        if after_id is not None:
            params["_after_id"] = after_id
        return [row[0] for row in await self.conn.execute(stmt, params)]


def _needing_runs(*, with_updated_since: bool, with_after_id: bool) -> sa.Select[Any]:
    """The ids of unpaused deployments with an active schedule short of `:_min_runs` future runs
    or of runs up to `:_min_horizon` (see `needing_runs`), in id order, `:_limit` of them."""
    when = fr.c.next_scheduled_start_time.type
    # The runs a schedule made carry its id in created_by (see the scheduler).
    made_by_schedule = sa.type_coerce(fr.c.created_by, sa.JSON)["id"].as_string() == sa.cast(s.c.id, sa.String)
    future_runs = sa.and_(
        fr.c.deployment_id == s.c.deployment_id,
        fr.c.state_type == "SCHEDULED",
        fr.c.next_scheduled_start_time >= sa.bindparam("_now", type_=when),
        fr.c.auto_scheduled.is_(True),
        made_by_schedule,
    )
    run_count = sa.select(sa.func.count()).select_from(fr).where(future_runs).correlate(s).scalar_subquery()
    last_run = sa.select(sa.func.max(fr.c.next_scheduled_start_time)).where(future_runs).correlate(s).scalar_subquery()
    needs = (
        sa.select(sa.literal(1))
        .select_from(s)
        .where(
            s.c.deployment_id == d.c.id,
            s.c.active.is_(True),
            sa.or_(
                run_count < sa.bindparam("_min_runs", type_=sa.Integer),
                last_run < sa.bindparam("_min_horizon", type_=when),
            ),
        )
        .correlate(d)
        .exists()
    )
    stmt = sa.select(d.c.id).where(d.c.paused.is_(False), needs)
    if with_updated_since:
        stmt = stmt.where(d.c.updated >= sa.bindparam("_updated_since", type_=d.c.updated.type))
    if with_after_id:
        stmt = stmt.where(d.c.id > sa.bindparam("_after_id", type_=d.c.id.type))
    return stmt.order_by(d.c.id).limit(sa.bindparam("_limit"))


class SqlDeploymentScheduleRepository(SqlRepository):
    async def list(self, deployment_id: UUID, *, active_only: bool = False) -> list[DeploymentSchedule]:
        stmt = sa.select(s).where(s.c.deployment_id == deployment_id)
        if active_only:
            stmt = stmt.where(s.c.active.is_(True))
        stmt = stmt.order_by(s.c.updated.desc(), s.c.id)
        return [_schedule(row) for row in await self.conn.execute(stmt)]

    async def get(self, deployment_id: UUID, schedule_id: UUID) -> DeploymentSchedule | None:
        stmt = sa.select(s).where(s.c.deployment_id == deployment_id, s.c.id == schedule_id)
        row = (await self.conn.execute(stmt)).first()
        return _schedule(row) if row else None

    async def insert_many(self, deployment_id: UUID, schedules: Sequence[DeploymentSchedule]) -> None:
        if not schedules:
            return
        now = timeutil.now()
        rows = []
        for schedule in schedules:
            data = schedule.model_dump(mode="json")
            rows.append({**data, "deployment_id": deployment_id, "created": now, "updated": now})
        await self.conn.execute(sa.insert(s), rows)

    async def update(self, deployment_id: UUID, schedule_id: UUID, values: dict[str, Any]) -> bool:
        result = await self.conn.execute(
            sa.update(s)
            .where(s.c.deployment_id == deployment_id, s.c.id == schedule_id)
            .values(**values, updated=timeutil.now())
        )
        return result.rowcount > 0

    async def delete(self, deployment_id: UUID, schedule_id: UUID) -> bool:
        result = await self.conn.execute(sa.delete(s).where(s.c.deployment_id == deployment_id, s.c.id == schedule_id))
        return result.rowcount > 0

    async def delete_all(self, deployment_id: UUID) -> None:
        await self.conn.execute(sa.delete(s).where(s.c.deployment_id == deployment_id))
