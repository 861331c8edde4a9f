"""Observed states: one grouped read over both state history tables."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.schemas.observed_states import ObservedState, ObservedStateSort
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import SqlRepository


def _transitions(prefix: str | None) -> sa.Subquery:
    parts = []
    for table in (tables.flow_run_state, tables.task_run_state):
        part = sa.select(table.c.type, table.c.name, table.c.timestamp)
        if prefix is not None:
            # lower() on both sides: LIKE ignores case on SQLite but not on PostgreSQL.
            lowered = prefix.lower()
            part = part.where(
                sa.or_(
                    sa.func.lower(table.c.name).startswith(lowered, autoescape=True),
                    sa.func.lower(table.c.type).startswith(lowered, autoescape=True),
                )
            )
        parts.append(part)
    return sa.union_all(*parts).subquery("transition")


class SqlObservedStateRepository(SqlRepository):
    async def search(self, prefix: str | None, order_by: ObservedStateSort, limit: int) -> list[ObservedState]:
        transition = _transitions(prefix)
        first_seen = sa.func.min(transition.c.timestamp).label("first_seen")
        last_seen = sa.func.max(transition.c.timestamp).label("last_seen")
        stmt = sa.select(transition.c.type, transition.c.name, first_seen, last_seen).group_by(
            transition.c.type, transition.c.name
        )
        if order_by is ObservedStateSort.NAME_ASC:
            stmt = stmt.order_by(transition.c.name, transition.c.type)
        else:
            stmt = stmt.order_by(last_seen.desc(), transition.c.name, transition.c.type)
        rows = await self.conn.execute(stmt.limit(limit))
        return [
            ObservedState(state_type=row.type, state_name=row.name, first_seen=row.first_seen, last_seen=row.last_seen)
            for row in rows
        ]
