"""Logs."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.filters import LogFilter
from prefect_core.schemas.logs import Log
from prefect_core.schemas.sorting import LogSort
from prefect_storage_sql import tables
from prefect_storage_sql.filters import log_condition
from prefect_storage_sql.repositories.base import SqlRepository, execute_unread, page

t = tables.log
_SORTS = {LogSort.TIMESTAMP_ASC: (t.c.timestamp.asc(),), LogSort.TIMESTAMP_DESC: (t.c.timestamp.desc(),)}


class SqlLogRepository(SqlRepository):
    async def insert_many(self, logs: Sequence[Log]) -> None:
        if not logs:
            return
        now = timeutil.now()
        rows = [
            {
                "id": log.id,
                "created": now,
                "updated": now,
                "name": log.name,
                "level": log.level,
                "flow_run_id": log.flow_run_id,
                "task_run_id": log.task_run_id,
                "message": log.message,
                "timestamp": log.timestamp,
            }
            for log in logs
        ]
        await execute_unread(self.conn, sa.insert(t), rows)

    async def filter(self, filter: LogFilter | None, sort: LogSort, offset: int, limit: int | None) -> list[Log]:
        stmt = page(sa.select(t).where(log_condition(filter)).order_by(*_SORTS[sort], t.c.id), offset, limit)
        return [Log.model_validate(row._mapping) for row in await self.conn.execute(stmt)]

    async def count(self, filter: LogFilter | None) -> int:
        stmt = sa.select(sa.func.count()).select_from(t).where(log_condition(filter))
        return int((await self.conn.execute(stmt)).scalar_one())
