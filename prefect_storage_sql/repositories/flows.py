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
from prefect_storage_sql.repositories.base import SqlRepository, by_id, no_criteria, page, paged, prebuilt
from prefect_storage_sql.repositories.documents import DocumentsOf

t = tables.flow

_SORTS = {
    FlowSort.CREATED_DESC: (t.c.created.desc(),),
    FlowSort.UPDATED_DESC: (t.c.updated.desc(),),
    FlowSort.NAME_ASC: (t.c.name.asc(),),
    FlowSort.NAME_DESC: (t.c.name.desc(),),
}


def _to_flow(row: sa.Row[Any]) -> Flow:
    return Flow.model_validate(row._mapping)


#: The flow's JSON-ready dict from its row, without the model (`documents`).
_to_document = DocumentsOf(Flow)


class SqlFlowRepository(SqlRepository):
    async def _row(self, flow_id: UUID) -> Any:
        stmt = prebuilt(("flow", "get"), lambda: sa.select(t).where(by_id(t)))
        return (await self.conn.execute(stmt, {"_row_id": flow_id})).first()

    async def _row_by_name(self, name: str) -> Any:
        stmt = prebuilt(("flow", "by_name"), lambda: sa.select(t).where(t.c.name == sa.bindparam("_name")))
        return (await self.conn.execute(stmt, {"_name": name})).first()

    async def get(self, flow_id: UUID) -> Flow | None:
        row = await self._row(flow_id)
        return _to_flow(row) if row else None

    async def get_document(self, flow_id: UUID) -> dict[str, Any] | None:
        row = await self._row(flow_id)
        return _to_document(row) if row else None

    async def get_by_name(self, name: str) -> Flow | None:
        row = await self._row_by_name(name)
        return _to_flow(row) if row else None

    async def get_document_by_name(self, name: str) -> dict[str, Any] | None:
        row = await self._row_by_name(name)
        return _to_document(row) if row else None

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

    async def _page(self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None) -> Any:
        if no_criteria(filters) and limit is not None:
            stmt, bounds = paged(
                ("flow", "list", sort), lambda: sa.select(t).order_by(*_SORTS[sort], t.c.id), offset, limit
            )
            return await self.conn.execute(stmt, bounds)
        return await self.conn.execute(page(self._query(filters).order_by(*_SORTS[sort], t.c.id), offset, limit))

    async def filter(self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None) -> list[Flow]:
        return [_to_flow(row) for row in await self._page(filters, sort, offset, limit)]

    async def filter_documents(
        self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None
    ) -> list[dict[str, Any]]:
        return [_to_document(row) for row in await self._page(filters, sort, offset, limit)]

    async def count(self, filters: RunFilters) -> int:
        return await self._count(self._query(filters))
