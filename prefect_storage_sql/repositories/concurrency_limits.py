"""Global concurrency limits: slots counted in the limit rows, changed by conditional updates.

Decay is computed in SQL from `slots_as_of` (epoch seconds) and the bound `:_now`, so a
check and its write are one statement: racing writers (threads, processes, servers on
one PostgreSQL) can never take a last slot twice or push a count below zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.schemas.concurrency_limits import TAG_PREFIX, ConcurrencyLimitV2
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.repositories.base import SqlRepository, by_id, prebuilt
from prefect_storage_sql.tables import concurrency_limit_v2 as t
from prefect_storage_sql.types import Timestamp

#: The shortest average occupancy used to decay denied slots (no division by zero).
MIN_OCCUPANCY_SECONDS = 0.1
#: The average occupancy is a moving average over about `limit * this` releases.
OCCUPANCY_SAMPLES_PER_SLOT = 2

_LIMIT = t.c["limit"]


def _now() -> sa.BindParameter[float]:
    return sa.bindparam("_now", type_=sa.Float)


class _Decay:
    """SQL for a limit row's slot counts after decay up to `:_now`.

    Rate limits (`slot_decay_per_second > 0`) lose active and denied slots at that rate.
    Limits without decay keep their active slots; their denied slots decay at one per
    average occupancy (bounded by `:_tag_wait` / `:_other_wait`, as the client's retry
    interval is). `clock` is the new `slots_as_of`: it advances by whole decayed slots
    only, so a partly decayed slot is not lost by the next write.
    """

    def __init__(self, support: SqlDialectSupport) -> None:
        floor = support.floor_of_nonnegative
        now = _now()
        decay = t.c.slot_decay_per_second
        elapsed = sa.case((t.c.slots_as_of < now, now - t.c.slots_as_of), else_=sa.literal(0.0))
        wait_cap = sa.case(
            (sa.func.substr(t.c.name, 1, len(TAG_PREFIX)) == TAG_PREFIX, sa.bindparam("_tag_wait", type_=sa.Float)),
            else_=sa.bindparam("_other_wait", type_=sa.Float),
        )
        capped = sa.case((t.c.avg_slot_occupancy_seconds > wait_cap, wait_cap), else_=t.c.avg_slot_occupancy_seconds)
        occupancy = sa.case((capped < MIN_OCCUPANCY_SECONDS, sa.literal(MIN_OCCUPANCY_SECONDS)), else_=capped)
        active_gone = decay * elapsed
        denied_gone = sa.case((decay > 0, decay * elapsed), else_=elapsed / occupancy)
        self.active = sa.case((active_gone >= t.c.active_slots, 0), else_=t.c.active_slots - floor(active_gone))
        self.denied = sa.case((denied_gone >= t.c.denied_slots, 0), else_=t.c.denied_slots - floor(denied_gone))
        self.clock = sa.case(
            (sa.and_(decay > 0, active_gone >= t.c.active_slots), now),
            (decay > 0, t.c.slots_as_of + floor(active_gone) / decay),
            (denied_gone >= t.c.denied_slots, now),
            else_=t.c.slots_as_of + floor(denied_gone) * occupancy,
        )


_DECAY: dict[str, _Decay] = {}


def _decay(support: SqlDialectSupport) -> _Decay:
    """The decay expressions for `support`'s dialect (built once per dialect)."""
    found = _DECAY.get(support.name)
    if found is None:
        found = _DECAY[support.name] = _Decay(support)
    return found


#: For other repositories that read a limit's slots (a deployment's limit, under its row lock).
slot_decay = _decay


def _params(now: dt.datetime, waits: SlotWaits, **more: Any) -> dict[str, Any]:
    return {"_now": now.timestamp(), "_tag_wait": waits.tag_seconds, "_other_wait": waits.other_seconds, **more}


def _to_limit(row: sa.Row[Any]) -> ConcurrencyLimitV2:
    return ConcurrencyLimitV2.model_validate(row._mapping)


_IDS: sa.BindParameter[Any] = sa.bindparam("_ids", expanding=True)


class SqlConcurrencyLimitRepository(SqlRepository):
    """Implements `prefect_core.ports.concurrency_limits.ConcurrencyLimitRepository`."""

    def _select(self) -> sa.Select[Any]:
        d = _decay(self.support)
        plain = [c for c in t.c if c.name not in ("active_slots", "denied_slots", "slots_as_of")]
        return sa.select(*plain, d.active.label("active_slots"), d.denied.label("denied_slots"))

    async def insert(self, limit: ConcurrencyLimitV2, now: dt.datetime) -> None:
        values = limit.model_dump()
        values.update(created=now, updated=now, slots_as_of=now.timestamp())
        await self.conn.execute(sa.insert(t).values(**values))

    async def get(self, limit_id: UUID, now: dt.datetime, waits: SlotWaits) -> ConcurrencyLimitV2 | None:
        stmt = prebuilt(("climit", self.support.name, "get"), lambda: self._select().where(by_id(t)))
        row = (await self.conn.execute(stmt, _params(now, waits, _row_id=limit_id))).first()
        return _to_limit(row) if row else None

    async def get_by_name(self, name: str, now: dt.datetime, waits: SlotWaits) -> ConcurrencyLimitV2 | None:
        found = await self.get_by_names([name], now, waits)
        return found[0] if found else None

    async def get_by_names(self, names: Sequence[str], now: dt.datetime, waits: SlotWaits) -> list[ConcurrencyLimitV2]:
        stmt = prebuilt(
            ("climit", self.support.name, "by_names"),
            lambda: self._select().where(t.c.name.in_(sa.bindparam("_names", expanding=True))),
        )
        rows = await self.conn.execute(stmt, _params(now, waits, _names=list(dict.fromkeys(names))))
        return [_to_limit(row) for row in rows]

    async def filter(
        self, now: dt.datetime, waits: SlotWaits, *, offset: int, limit: int | None, name_prefix: str | None = None
    ) -> list[ConcurrencyLimitV2]:
        stmt = self._select().order_by(t.c.name)
        if name_prefix is not None:
            stmt = stmt.where(sa.func.substr(t.c.name, 1, len(name_prefix)) == name_prefix)
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_to_limit(row) for row in await self.conn.execute(stmt, _params(now, waits))]

    async def update(self, limit_id: UUID, values: dict[str, Any], now: dt.datetime, waits: SlotWaits) -> bool:
        d = _decay(self.support)
        values = dict(values)
        slots_given = "active_slots" in values or "denied_slots" in values
        stmt = (
            sa.update(t)
            .where(by_id(t))
            .values(
                active_slots=values.pop("active_slots", d.active),
                denied_slots=values.pop("denied_slots", d.denied),
                slots_as_of=_now() if slots_given else d.clock,
                updated=now,
                **values,
            )
        )
        result = await self.conn.execute(stmt, _params(now, waits, _row_id=limit_id))
        return result.rowcount > 0

    async def delete(self, limit_id: UUID) -> bool:
        return await self._delete_by_id(t, limit_id)

    async def _lock(self, limit_ids: Sequence[UUID]) -> None:
        # Rows locked in id order before the update, so that two requests naming the
        # same limits in another order cannot deadlock (SQLite: one writer at a time).
        if self.support.locks_rows:
            stmt = self.support.lock_for_update(sa.select(t.c.id).where(t.c.id.in_(list(limit_ids))).order_by(t.c.id))
            await self.conn.execute(stmt)

    async def increment(self, limit_ids: Sequence[UUID], slots: int, now: dt.datetime, waits: SlotWaits) -> bool:
        ids = list(dict.fromkeys(limit_ids))
        if not ids:
            return True
        await self._lock(ids)

        def build() -> sa.Update:
            d = _decay(self.support)
            taken = d.active + sa.bindparam("_slots", type_=sa.Integer)
            return (
                sa.update(t)
                .where(t.c.id.in_(_IDS), t.c.active == sa.true(), taken <= _LIMIT)
                .values(
                    active_slots=taken,
                    denied_slots=d.denied,
                    slots_as_of=d.clock,
                    updated=sa.bindparam("_stamp", type_=Timestamp()),
                )
            )

        stmt = prebuilt(("climit", self.support.name, "increment"), build)
        result = await self.conn.execute(stmt, _params(now, waits, _ids=ids, _slots=slots, _stamp=now))
        return result.rowcount == len(ids)

    async def deny(
        self, limit_ids: Sequence[UUID], slots: int, now: dt.datetime, waits: SlotWaits
    ) -> list[ConcurrencyLimitV2]:
        ids = list(dict.fromkeys(limit_ids))
        if not ids:
            return []
        await self._lock(ids)

        def build() -> Any:
            d = _decay(self.support)
            return (
                sa.update(t)
                .where(t.c.id.in_(_IDS), t.c.active == sa.true())
                .values(
                    active_slots=d.active,
                    denied_slots=d.denied + sa.bindparam("_slots", type_=sa.Integer),
                    slots_as_of=d.clock,
                    updated=sa.bindparam("_stamp", type_=Timestamp()),
                )
                .returning(*t.c)
            )

        stmt = prebuilt(("climit", self.support.name, "deny"), build)
        rows = await self.conn.execute(stmt, _params(now, waits, _ids=ids, _slots=slots, _stamp=now))
        return [_to_limit(row) for row in rows]

    async def decrement(
        self,
        limit_ids: Sequence[UUID],
        slots: int,
        now: dt.datetime,
        waits: SlotWaits,
        occupancy_seconds: float | None = None,
    ) -> None:
        ids = list(dict.fromkeys(limit_ids))
        if not ids:
            return
        await self._lock(ids)
        with_occupancy = bool(occupancy_seconds)

        def build() -> sa.Update:
            d = _decay(self.support)
            left = d.active - sa.bindparam("_slots", type_=sa.Integer)
            values: dict[str, Any] = {
                "active_slots": sa.case((left < 0, 0), else_=left),
                "denied_slots": d.denied,
                "slots_as_of": d.clock,
                "updated": sa.bindparam("_stamp", type_=Timestamp()),
            }
            if with_occupancy:
                avg = t.c.avg_slot_occupancy_seconds
                sample = sa.bindparam("_per_slot", type_=sa.Float)
                values["avg_slot_occupancy_seconds"] = sa.case(
                    (_LIMIT > 0, avg + (sample - avg) / (_LIMIT * OCCUPANCY_SAMPLES_PER_SLOT)), else_=avg
                )
            return sa.update(t).where(t.c.id.in_(_IDS), t.c.active == sa.true()).values(**values)

        stmt = prebuilt(("climit", self.support.name, "decrement", with_occupancy), build)
        params = _params(now, waits, _ids=ids, _slots=slots, _stamp=now)
        if with_occupancy:
            assert occupancy_seconds is not None
            params["_per_slot"] = max(occupancy_seconds / slots, MIN_OCCUPANCY_SECONDS)
        await self.conn.execute(stmt, params)
