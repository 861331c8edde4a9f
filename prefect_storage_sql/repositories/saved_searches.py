"""Saved searches."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.saved_searches import SavedSearch
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import SqlRepository, by_id, page, prebuilt

t = tables.saved_search


def _to_search(row: sa.Row[Any]) -> SavedSearch:
    return SavedSearch.model_validate(row._mapping)


class SqlSavedSearchRepository(SqlRepository):
    async def upsert(self, search: SavedSearch) -> tuple[SavedSearch, bool]:
        now = timeutil.now()
        filters = [f.model_dump(mode="json") for f in search.filters]
        insert = prebuilt(
            ("saved_search", "insert", self.support.name), lambda: self.support.insert_ignoring_conflicts(t, ["name"])
        )
        row = {"id": search.id, "created": now, "updated": now, "name": search.name, "filters": filters}
        created = (await self.conn.execute(insert, row)).rowcount > 0
        if not created:
            update = prebuilt(
                ("saved_search", "by_name"), lambda: sa.update(t).where(t.c.name == sa.bindparam("_name"))
            )
            await self.conn.execute(update, {"_name": search.name, "filters": filters, "updated": now})
        stored = (await self.conn.execute(sa.select(t).where(t.c.name == search.name))).one()
        return _to_search(stored), created

    async def get(self, search_id: UUID) -> SavedSearch | None:
        stmt = prebuilt(("saved_search", "get"), lambda: sa.select(t).where(by_id(t)))
        row = (await self.conn.execute(stmt, {"_row_id": search_id})).first()
        return _to_search(row) if row else None

    async def delete(self, search_id: UUID) -> bool:
        return await self._delete_by_id(t, search_id)

    async def list(self, offset: int, limit: int | None) -> list[SavedSearch]:
        stmt = page(sa.select(t).order_by(t.c.name), offset, limit)
        return [_to_search(row) for row in await self.conn.execute(stmt)]
