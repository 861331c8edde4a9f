"""Persisted events and their resource index."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Literal

import sqlalchemy as sa

from prefect_core.ids import uuid7
from prefect_core.schemas.event_filters import EventFilter, EventOrder
from prefect_core.schemas.events import Event, EventCount
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.repositories.base import SqlRepository, execute_unread, page, prebuilt
from prefect_storage_sql.repositories.event_queries import event_query

t = tables.events
r = tables.event_resources

#: Ids per `IN (...)` when looking for stored events (well under every driver's limit).
_ID_CHUNK = 500


def _row(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "occurred": event.occurred,
        "received": event.received,
        "event": event.event,
        "resource_id": event.resource.id,
        "resource": event.resource.root,
        "related": [rel.root for rel in event.related],
        "related_resource_ids": " ".join(rel.id for rel in event.related),
        "payload": event.payload,
        "follows": event.follows,
    }


def _resource_rows(event: Event) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid7(),
            "event_id": event.id,
            "occurred": event.occurred,
            "resource_id": res.id,
            "resource_role": res.role,
        }
        for res in event.involved_resources
    ]


_EVENT_COLUMNS = ("id", "occurred", "received", "event", "resource", "related", "payload", "follows")


def _to_event(row: Any) -> Event:
    m = row._mapping
    return Event.model_validate({k: m[k] for k in _EVENT_COLUMNS})


def _resource_label(resource: dict[str, str], fallback: str) -> str:
    return resource.get("prefect.resource.name") or resource.get("prefect.name") or fallback


def _sorted_counts(counts: Iterable[EventCount]) -> list[EventCount]:
    return sorted(counts, key=lambda c: (-c.count, c.label))


def _stored_ids(support: SqlDialectSupport) -> sa.Select[Any]:
    """`SELECT id FROM events WHERE id` is one of `:_ids`, built once (the event pipeline
    runs it per batch, of any size)."""
    return prebuilt(
        ("event", "stored_ids", support.name), lambda: sa.select(t.c.id).where(support.is_one_of(t.c.id, "_ids"))
    )


class SqlEventRepository(SqlRepository):
    async def delete_older_than(self, cutoff: dt.datetime, limit: int) -> int:
        return await delete_events_before(self.conn, cutoff, limit)

    async def insert_many(self, events: Sequence[Event]) -> list[Event]:
        unique: list[Event] = []
        seen: set[Any] = set()
        for event in events:  # the first of each id wins
            if event.id not in seen:
                seen.add(event.id)
                unique.append(event)
        if not unique:
            return []
        stored: set[Any] = set()
        for start in range(0, len(unique), _ID_CHUNK):
            chunk = [e.id for e in unique[start : start + _ID_CHUNK]]
            stored.update(row[0] for row in await self.conn.execute(_stored_ids(self.support), {"_ids": chunk}))
        new = [e for e in unique if e.id not in stored]
        if not new:
            return []
        # Ignoring conflicts as well covers another process inserting the same id meanwhile.
        # Neither result is read (on SQLite they ride with the batch's next statement or COMMIT).
        insert = prebuilt(
            ("event", "insert", self.support.name), lambda: self.support.insert_ignoring_conflicts(t, ["id"])
        )
        await execute_unread(self.conn, insert, [_row(e) for e in new])
        insert_resources = prebuilt(("insert", r.name), lambda: sa.insert(r))
        await execute_unread(self.conn, insert_resources, [row for e in new for row in _resource_rows(e)])
        return new

    def _ordered(self, f: EventFilter, where: list[sa.ColumnElement[bool]]) -> sa.Select[Any]:
        direction = sa.asc if f.order == EventOrder.ASC else sa.desc
        if f.resource is not None and f.resource.distinct:
            rank = sa.func.row_number().over(
                partition_by=t.c.resource_id, order_by=(direction(t.c.occurred), direction(t.c.id))
            )
            inner = sa.select(t, rank.label("rank")).where(*where).subquery()
            return (
                sa.select(*(inner.c[c.name] for c in t.columns))
                .where(inner.c.rank == 1)
                .order_by(direction(inner.c.occurred), direction(inner.c.id))
            )
        return sa.select(t).where(*where).order_by(direction(t.c.occurred), direction(t.c.id))

    async def _scan(self, f: EventFilter) -> AsyncIterator[Event]:
        """Every matching event in order, checked in Python (for residual filters)."""
        q = event_query(f)
        seen_resources: set[str] = set()
        distinct = f.resource is not None and f.resource.distinct
        result = await self.conn.stream(
            self._ordered(f.model_copy(update={"resource": None}), q.where) if distinct else self._ordered(f, q.where)
        )
        async for row in result:
            event = _to_event(row)
            if not f.includes(event):
                continue
            if distinct:
                if event.resource.id in seen_resources:
                    continue
                seen_resources.add(event.resource.id)
            yield event

    async def filter(self, filter: EventFilter, limit: int | None = None, offset: int = 0) -> list[Event]:
        if filter.logical_limit is not None:
            limit = filter.logical_limit if limit is None else min(limit, filter.logical_limit)
        q = event_query(filter)
        if not q.residual:
            stmt = page(self._ordered(filter, q.where), offset, limit)
            return [_to_event(row) for row in await self.conn.execute(stmt)]
        out: list[Event] = []
        skipped = 0
        async for event in self._scan(filter):
            if skipped < offset:
                skipped += 1
                continue
            if limit is not None and len(out) >= limit:
                break
            out.append(event)
        return out

    async def count(self, filter: EventFilter) -> int:
        q = event_query(filter)
        if q.residual:
            return sum([1 async for _ in self._scan(filter)])
        if filter.resource is not None and filter.resource.distinct:
            counted = sa.func.count(sa.distinct(t.c.resource_id))
        else:
            counted = sa.func.count()
        stmt = sa.select(counted).select_from(t).where(*q.where)
        return int((await self.conn.execute(stmt)).scalar_one())

    async def count_by(self, filter: EventFilter, field: Literal["event", "resource"]) -> list[EventCount]:
        q = event_query(filter)
        if q.residual:
            return await self._count_by_scanning(filter, field)
        key = t.c.event if field == "event" else t.c.resource_id
        grouped = (
            sa.select(
                key.label("value"),
                sa.func.count().label("count"),
                sa.func.min(t.c.occurred).label("start_time"),
                sa.func.max(t.c.occurred).label("end_time"),
            )
            .where(*q.where)
            .group_by(key)
        )
        if field == "event":
            rows = await self.conn.execute(grouped)
            return _sorted_counts(
                EventCount(
                    value=m["value"],
                    label=m["value"],
                    count=m["count"],
                    start_time=m["start_time"],
                    end_time=m["end_time"],
                )
                for m in (row._mapping for row in rows)
            )
        # Label each resource with its name on its latest matching event.
        g = grouped.subquery()
        stmt = sa.select(g, t.c.resource).select_from(
            g.join(t, sa.and_(t.c.resource_id == g.c.value, t.c.occurred == g.c.end_time))
        )
        found: dict[str, EventCount] = {}
        for row in await self.conn.execute(stmt):
            m = row._mapping
            found[m["value"]] = EventCount(
                value=m["value"],
                label=_resource_label(m["resource"], m["value"]),
                count=m["count"],
                start_time=m["start_time"],
                end_time=m["end_time"],
            )
        return _sorted_counts(found.values())

    async def _count_by_scanning(self, filter: EventFilter, field: str) -> list[EventCount]:
        found: dict[str, EventCount] = {}
        async for event in self._scan(filter):
            value = event.event if field == "event" else event.resource.id
            label = value if field == "event" else _resource_label(event.resource.root, value)
            count = found.get(value)
            if count is None:
                found[value] = EventCount(
                    value=value, label=label, count=1, start_time=event.occurred, end_time=event.occurred
                )
                continue
            count.count += 1
            if event.occurred >= count.end_time:
                count.end_time, count.label = event.occurred, label
            count.start_time = min(count.start_time, event.occurred)
        return _sorted_counts(found.values())

    async def occurred_times(self, filter: EventFilter) -> list[dt.datetime]:
        q = event_query(filter)
        if q.residual:
            return [event.occurred async for event in self._scan(filter)]
        stmt = sa.select(t.c.occurred).where(*q.where)
        return [row[0] for row in await self.conn.execute(stmt)]


async def delete_events_before(conn: Any, cutoff: dt.datetime, limit: int) -> int:
    """Delete at most `limit` of the oldest events that occurred before `cutoff`, and
    their resource rows; how many events went (see `SqlEventRepository.delete_older_than`)."""
    ids = [
        row.id
        for row in await conn.execute(
            sa.select(t.c.id).where(t.c.occurred < cutoff).order_by(t.c.occurred).limit(limit)
        )
    ]
    if not ids:
        return 0
    # Resource rows first: their foreign key would otherwise be checked (or cascaded) row by row.
    await conn.execute(sa.delete(r).where(r.c.event_id.in_(ids)))
    return int((await conn.execute(sa.delete(t).where(t.c.id.in_(ids)))).rowcount)
