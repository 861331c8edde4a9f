"""Flows."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.ports import RunFilters
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.sorting import FlowSort
from prefect_storage_sql import tables
from prefect_storage_sql.filters import flows_matching, flows_with_deployments_and_queues
from prefect_storage_sql.repositories.base import SqlRepository, by_id, no_criteria, page, paged_prebuilt, prebuilt

t = tables.flow

_SORTS = {
    FlowSort.CREATED_DESC: (t.c.created.desc(),),
    FlowSort.UPDATED_DESC: (t.c.updated.desc(),),
    FlowSort.NAME_ASC: (t.c.name.asc(),),
    FlowSort.NAME_DESC: (t.c.name.desc(),),
}


def _to_flow(row: sa.Row[Any]) -> Flow:
    return Flow.model_validate(row._mapping)


class SqlFlowRepository(SqlRepository):
    async def get(self, flow_id: UUID) -> Flow | None:
        stmt = prebuilt(("flow", "get"), lambda: sa.select(t).where(by_id(t)))
        row = (await self.conn.execute(stmt, {"_row_id": flow_id})).first()
        return _to_flow(row) if row else None

    async def get_by_name(self, name: str) -> Flow | None:
        stmt = prebuilt(("flow", "by_name"), lambda: sa.select(t).where(t.c.name == sa.bindparam("_name")))
        row = (await self.conn.execute(stmt, {"_name": name})).first()
        return _to_flow(row) if row else None

    async def get_or_create(self, flow: Flow) -> Flow:
        now = timeutil.now()
        values = flow.model_dump(include={"id", "name", "tags", "labels"}, mode="json")
        values.update(id=flow.id, created=now, updated=now)
        # Built once per dialect and bound per call: POST /flows/ runs it for every flow and subflow call.
        stmt = prebuilt(
            ("flow", "insert", self.support.name), lambda: self.support.insert_ignoring_conflicts(t, ["name"])
        )
        await self.conn.execute(stmt, values)
        stored = await self.get_by_name(flow.name)
        assert stored is not None
        return stored

    async def update(self, flow_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(t, flow_id, values)

    async def delete(self, flow_id: UUID) -> bool:
        return await self._delete_by_id(t, flow_id)

    def _query(self, filters: RunFilters) -> sa.Select[Any]:
        return sa.select(t).where(
            flows_matching(filters, self.support), flows_with_deployments_and_queues(filters, self.support)
        )

    async def filter(self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None) -> list[Flow]:
        if no_criteria(filters) and limit is not None:
            stmt = paged_prebuilt(("flow", "list", sort), lambda: sa.select(t).order_by(*_SORTS[sort], t.c.id))
            rows = await self.conn.execute(stmt, {"_offset": offset, "_limit": limit})
            return [_to_flow(row) for row in rows]
        stmt = page(self._query(filters).order_by(*_SORTS[sort], t.c.id), offset, limit)
        return [_to_flow(row) for row in await self.conn.execute(stmt)]

    async def count(self, filters: RunFilters) -> int:
        return await self._count(self._query(filters))
