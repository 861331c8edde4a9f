"""Flow run inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.flow_run_inputs import FlowRunInput
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import SqlRepository, prebuilt

t = tables.flow_run_input


def _by_key() -> sa.ColumnElement[bool]:
    return sa.and_(
        t.c.flow_run_id == sa.bindparam("_run_id", type_=t.c.flow_run_id.type), t.c.key == sa.bindparam("_key")
    )


def _to_input(row: sa.Row[Any]) -> FlowRunInput:
    return FlowRunInput.model_validate(row._mapping)


class SqlFlowRunInputRepository(SqlRepository):
    async def insert(self, item: FlowRunInput) -> bool:
        now = timeutil.now()
        values = item.model_dump(include={"id", "flow_run_id", "key", "value", "sender"})
        values.update(created=item.created or now, updated=now)
        stmt = prebuilt(
            ("flow_run_input", "insert", self.support.name),
            lambda: self.support.insert_ignoring_conflicts(t, ["flow_run_id", "key"]),
        )
        result = await self.conn.execute(stmt, values)
        return result.rowcount > 0

    async def get(self, flow_run_id: UUID, key: str) -> FlowRunInput | None:
        stmt = prebuilt(("flow_run_input", "get"), lambda: sa.select(t).where(_by_key()))
        row = (await self.conn.execute(stmt, {"_run_id": flow_run_id, "_key": key})).first()
        return _to_input(row) if row else None

    async def filter(
        self, flow_run_id: UUID, *, prefix: str, exclude_keys: Sequence[str], limit: int | None
    ) -> list[FlowRunInput]:
        # substr rather than LIKE: LIKE ignores case on SQLite and treats % and _ as
        # wildcards; a prefix means the same on every database this way.
        stmt = sa.select(t).where(
            t.c.flow_run_id == flow_run_id,
            sa.func.substr(t.c.key, 1, len(prefix)) == prefix,
        )
        if exclude_keys:
            stmt = stmt.where(t.c.key.not_in(list(exclude_keys)))
        stmt = stmt.order_by(t.c.created, t.c.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_to_input(row) for row in await self.conn.execute(stmt)]

    async def delete(self, flow_run_id: UUID, key: str) -> bool:
        stmt = prebuilt(("flow_run_input", "delete"), lambda: sa.delete(t).where(_by_key()))
        result = await self.conn.execute(stmt, {"_run_id": flow_run_id, "_key": key})
        return result.rowcount > 0
