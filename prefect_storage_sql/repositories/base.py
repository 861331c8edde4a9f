"""What every SQL repository shares."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from prefect_core import timeutil
from prefect_storage_sql.dialect import SqlDialectSupport


class SqlRepository:
    def __init__(self, conn: AsyncConnection, support: SqlDialectSupport) -> None:
        self.conn = conn
        self.support = support

    async def _update_by_id(self, table: sa.Table, row_id: Any, values: dict[str, Any]) -> bool:
        values = {**values, "updated": timeutil.now()}
        result = await self.conn.execute(
            sa.update(table).where(table.c.id == row_id).values(**values)
        )
        return result.rowcount > 0

    async def _delete_by_id(self, table: sa.Table, row_id: Any) -> bool:
        result = await self.conn.execute(sa.delete(table).where(table.c.id == row_id))
        return result.rowcount > 0

    async def _count(self, stmt: sa.Select[Any]) -> int:
        counted = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        return int((await self.conn.execute(counted)).scalar_one())


def page(stmt: sa.Select[Any], offset: int, limit: int | None) -> sa.Select[Any]:
    """Apply offset/limit (None: no limit)."""
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt
