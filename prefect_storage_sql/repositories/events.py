"""Persisted events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from prefect_core.schemas.events import Event, EventFilter
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import SqlRepository

t = tables.events


def _row(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "occurred": event.occurred,
        "received": event.received,
        "event": event.event,
        "resource_id": event.resource.id,
        "resource": event.resource.root,
        "related": [r.root for r in event.related],
        "related_resource_ids": " ".join(r.id for r in event.related),
        "payload": event.payload,
        "follows": event.follows,
    }


def _to_event(row: sa.Row[Any]) -> Event:
    m = row._mapping
    return Event.model_validate(
        {k: m[k] for k in ("id", "occurred", "received", "event", "resource", "related", "payload", "follows")}
    )


class SqlEventRepository(SqlRepository):
    async def insert_many(self, events: Sequence[Event]) -> None:
        if not events:
            return
        stmt = self.support.insert_ignoring_conflicts(t, ["id"])
        await self.conn.execute(stmt, [_row(e) for e in events])

    async def filter(self, filter: EventFilter, limit: int) -> list[Event]:
        stmt = sa.select(t).order_by(t.c.occurred.desc()).limit(limit)
        return [_to_event(row) for row in await self.conn.execute(stmt)]

    async def count(self, filter: EventFilter) -> int:
        return int((await self.conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one())
