"""Event-trigger counting windows and composite-trigger child firings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.ports.automations import Bucket
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import SqlRepository

b = tables.automation_bucket
c = tables.composite_trigger_child_firing


def _key(values: Sequence[str]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


def _bucket(row: Any) -> Bucket:
    return Bucket(
        automation_id=row.automation_id,
        trigger_id=row.trigger_id,
        bucketing_key=json.loads(row.bucketing_key),
        start=row.start,
        end=row.end,
        count=row.count,
        last_event=row.last_event,
    )


class SqlAutomationBucketRepository(SqlRepository):
    def _where(self, automation_id: UUID, trigger_id: UUID, key: Sequence[str]) -> sa.ColumnElement[bool]:
        return sa.and_(b.c.automation_id == automation_id, b.c.trigger_id == trigger_id, b.c.bucketing_key == _key(key))

    async def get(self, automation_id: UUID, trigger_id: UUID, key: Sequence[str], *, lock: bool) -> Bucket | None:
        stmt = sa.select(b).where(self._where(automation_id, trigger_id, key))
        if lock:
            stmt = self.support.lock_for_update(stmt)
        row = (await self.conn.execute(stmt)).one_or_none()
        return None if row is None else _bucket(row)

    async def put(self, bucket: Bucket) -> None:
        now = timeutil.now()
        values = {
            "start": bucket.start,
            "end": bucket.end,
            "count": bucket.count,
            "last_event": bucket.last_event,
            "updated": now,
        }
        where = self._where(bucket.automation_id, bucket.trigger_id, bucket.bucketing_key)
        if (await self.conn.execute(sa.update(b).where(where).values(**values))).rowcount:
            return
        insert = self.support.insert_ignoring_conflicts(b, ["automation_id", "trigger_id", "bucketing_key"])
        row = {
            "id": uuid7(),
            "created": now,
            "automation_id": bucket.automation_id,
            "trigger_id": bucket.trigger_id,
            "bucketing_key": _key(bucket.bucketing_key),
            **values,
        }
        if not (await self.conn.execute(insert, row)).rowcount:
            await self.conn.execute(sa.update(b).where(where).values(**values))

    async def remove(self, automation_id: UUID, trigger_id: UUID, key: Sequence[str]) -> None:
        await self.conn.execute(sa.delete(b).where(self._where(automation_id, trigger_id, key)))

    async def ending_before(self, instant: dt.datetime, limit: int, trigger_ids: Sequence[UUID]) -> list[Bucket]:
        if not trigger_ids:
            return []
        stmt = (
            sa.select(b)
            .where(b.c.end <= instant, b.c.trigger_id.in_(list(trigger_ids)))
            .order_by(b.c.end, b.c.id)
            .limit(limit)
        )
        return [_bucket(row) for row in await self.conn.execute(stmt)]

    async def sweep(self, ended_before: dt.datetime, keep_trigger_ids: Sequence[UUID]) -> int:
        stmt = sa.delete(b).where(b.c.end < ended_before)
        if keep_trigger_ids:
            stmt = stmt.where(b.c.trigger_id.not_in(list(keep_trigger_ids)))
        return int((await self.conn.execute(stmt)).rowcount)

    async def for_automation(self, automation_id: UUID) -> list[Bucket]:
        stmt = sa.select(b).where(b.c.automation_id == automation_id).order_by(b.c.start, b.c.id)
        return [_bucket(row) for row in await self.conn.execute(stmt)]

    async def delete_for_trigger_ids(self, automation_id: UUID, keep: Sequence[UUID]) -> None:
        await self.conn.execute(
            sa.delete(b).where(b.c.automation_id == automation_id, b.c.trigger_id.not_in(list(keep)))
        )
        await self.conn.execute(
            sa.delete(c).where(c.c.automation_id == automation_id, c.c.parent_trigger_id.not_in(list(keep)))
        )

    async def put_child_firing(
        self, automation_id: UUID, parent_id: UUID, child_id: UUID, fired: dt.datetime, firing: dict[str, Any]
    ) -> None:
        now = timeutil.now()
        where = sa.and_(
            c.c.automation_id == automation_id, c.c.parent_trigger_id == parent_id, c.c.child_trigger_id == child_id
        )
        values = {"child_fired_at": fired, "child_firing": firing, "updated": now}
        if (await self.conn.execute(sa.update(c).where(where).values(**values))).rowcount:
            return
        insert = self.support.insert_ignoring_conflicts(c, ["automation_id", "parent_trigger_id", "child_trigger_id"])
        row = {
            "id": uuid7(),
            "created": now,
            "automation_id": automation_id,
            "parent_trigger_id": parent_id,
            "child_trigger_id": child_id,
            **values,
        }
        if not (await self.conn.execute(insert, row)).rowcount:
            await self.conn.execute(sa.update(c).where(where).values(**values))

    async def child_firings(self, automation_id: UUID, parent_id: UUID, *, lock: bool) -> list[dict[str, Any]]:
        stmt = (
            sa.select(c.c.child_firing)
            .where(c.c.automation_id == automation_id, c.c.parent_trigger_id == parent_id)
            .order_by(c.c.child_fired_at, c.c.id)
        )
        if lock:
            stmt = self.support.lock_for_update(stmt)
        return [row.child_firing for row in await self.conn.execute(stmt)]

    async def clear_child_firings(self, automation_id: UUID, parent_id: UUID, before: dt.datetime | None = None) -> int:
        stmt = sa.delete(c).where(c.c.automation_id == automation_id, c.c.parent_trigger_id == parent_id)
        if before is not None:
            stmt = stmt.where(c.c.child_fired_at < before)
        return (await self.conn.execute(stmt)).rowcount
