"""State histories and the task cache."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.schemas.states import State
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.engine import SqlConnection
from prefect_storage_sql.repositories.base import SqlRepository, by_id, execute_unread, prebuilt
from prefect_storage_sql.repositories.runs import state_from_row

#: The prefix of a new state's parameters in `_insert_state_then_update_run`.
_NEW_STATE = "new_state_"


def state_row(run_id: UUID, state: State, now: Any = None) -> dict[str, Any]:
    """The row of a state table for `state` of run `run_id`."""
    now = now or timeutil.now()
    return {
        "id": state.id,
        "created": now,
        "updated": now,
        "run_id": run_id,
        "type": state.type.value,
        "name": state.name,
        "timestamp": state.timestamp,
        "message": state.message,
        "state_details": state.state_details.model_dump(mode="json"),
        "data": state.model_dump(mode="json", include={"data"})["data"],
    }


class SqlStateRepository(SqlRepository):
    def __init__(self, conn: SqlConnection, support: SqlDialectSupport, table: sa.Table, run_table: sa.Table) -> None:
        super().__init__(conn, support)
        self.table = table
        self.run_table = run_table

    async def add(self, run_id: UUID, state: State, run_values: dict[str, Any] | None = None) -> None:
        # Neither result is read: on SQLite both ride with the next statement or the COMMIT;
        # where one statement can carry both (PostgreSQL), they are one round trip.
        row = state_row(run_id, state)
        values = {
            **(run_values or {}),
            "state_id": state.id,
            "state_type": state.type.value,
            "state_name": state.name,
            "state_timestamp": state.timestamp,
        }
        if self.support.writes_in_ctes:
            both = prebuilt(("insert_state_update_run", self.table.name), self._insert_state_then_update_run)
            bound = {f"{_NEW_STATE}{key}": value for key, value in row.items()}
            await self.conn.execute(both, {"updated": timeutil.now(), **values, **bound, "_row_id": run_id})
            return
        insert = prebuilt(("insert", self.table.name), lambda: sa.insert(self.table))
        await execute_unread(self.conn, insert, row)
        await self._update_unread(self.run_table, run_id, values)

    def _insert_state_then_update_run(self) -> sa.Update:
        """`WITH new_state AS (INSERT INTO <state table> ...) UPDATE <run table> SET ... WHERE
        id = :_row_id`: the state's columns bound as `new_state_<column>`, the run's SET
        clause following the other parameter keys, as `_update_unread`'s does."""
        columns = {c.name: sa.bindparam(f"{_NEW_STATE}{c.name}", type_=c.type) for c in self.table.columns}
        new_state = sa.insert(self.table).values(columns).cte("new_state")
        return sa.update(self.run_table).where(by_id(self.run_table)).add_cte(new_state)

    async def get(self, state_id: UUID) -> State | None:
        stmt = prebuilt(("get", self.table.name), lambda: sa.select(self.table).where(by_id(self.table)))
        row = (await self.conn.execute(stmt, {"_row_id": state_id})).first()
        return state_from_row(row._mapping) if row else None

    async def history(self, run_id: UUID) -> list[State]:
        stmt = (
            sa.select(self.table)
            .where(self.table.c.run_id == run_id)
            .order_by(self.table.c.timestamp, self.table.c.created)
        )
        rows = await self.conn.execute(stmt)
        # A state row always has its id, so none is dropped (None is for a run's missing current state).
        return [state for row in rows if (state := state_from_row(row._mapping)) is not None]


class SqlTaskCacheRepository(SqlRepository):
    async def get(self, cache_key: str, now: dt.datetime) -> State | None:
        c, s = tables.task_run_state_cache, tables.task_run_state
        stmt = (
            sa.select(s)
            .join(c, c.c.task_run_state_id == s.c.id)
            .where(
                c.c.cache_key == cache_key,
                sa.or_(c.c.cache_expiration.is_(None), c.c.cache_expiration > now),
            )
            .order_by(c.c.created.desc())
            .limit(1)
        )
        row = (await self.conn.execute(stmt)).first()
        return state_from_row(row._mapping) if row else None

    async def put(self, cache_key: str, state: State, expiration: dt.datetime | None) -> None:
        now = timeutil.now()
        await self.conn.execute(
            sa.insert(tables.task_run_state_cache).values(
                id=uuid7(),
                created=now,
                updated=now,
                cache_key=cache_key,
                cache_expiration=expiration,
                task_run_state_id=state.id,
            )
        )


class SqlFlowRunStateRepository(SqlStateRepository):
    """Flow run state histories."""

    def __init__(self, conn: SqlConnection, support: SqlDialectSupport) -> None:
        super().__init__(conn, support, tables.flow_run_state, tables.flow_run)


class SqlTaskRunStateRepository(SqlStateRepository):
    """Task run state histories."""

    def __init__(self, conn: SqlConnection, support: SqlDialectSupport) -> None:
        super().__init__(conn, support, tables.task_run_state, tables.task_run)
