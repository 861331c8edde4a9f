"""Task runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.runs import TaskRun
from prefect_core.schemas.sorting import TaskRunSort
from prefect_core.schemas.states import State
from prefect_storage_sql import tables
from prefect_storage_sql.filters import task_runs_matching
from prefect_storage_sql.repositories.base import prebuilt
from prefect_storage_sql.repositories.runs import RunRepository
from prefect_storage_sql.repositories.states import state_row

t = tables.task_run


class SqlTaskRunRepository(RunRepository[TaskRun]):
    table = t
    state_table = tables.task_run_state
    model = TaskRun
    sorts = {
        TaskRunSort.ID_DESC: (t.c.id.desc(),),
        TaskRunSort.EXPECTED_START_TIME_ASC: (t.c.expected_start_time.asc(),),
        TaskRunSort.EXPECTED_START_TIME_DESC: (t.c.expected_start_time.desc(),),
        TaskRunSort.NAME_ASC: (t.c.name.asc(),),
        TaskRunSort.NAME_DESC: (t.c.name.desc(),),
        TaskRunSort.NEXT_SCHEDULED_START_TIME_ASC: (t.c.next_scheduled_start_time.asc(),),
        TaskRunSort.END_TIME_DESC: (t.c.end_time.desc(),),
    }

    def _matching(self, filters: Any) -> sa.ColumnElement[bool]:
        return task_runs_matching(filters, self.support)

    async def get_by_key(self, flow_run_id: UUID | None, task_key: str, dynamic_key: str) -> TaskRun | None:
        run_cond = t.c.flow_run_id.is_(None) if flow_run_id is None else t.c.flow_run_id == flow_run_id
        stmt = self._select().where(run_cond, t.c.task_key == task_key, t.c.dynamic_key == dynamic_key)
        row = (await self.conn.execute(stmt)).first()
        return self._to_model(row) if row else None

    async def insert(self, run: TaskRun) -> TaskRun:
        values = self._row_values(run)
        for key in ("state_id", "state_type", "state_name", "state_timestamp"):
            values.pop(key, None)
        stmt = prebuilt(
            ("task_run", "insert", self.support.name),
            lambda: self.support.insert_ignoring_conflicts(t, ["flow_run_id", "task_key", "dynamic_key"]),
        )
        result = await self.conn.execute(stmt, values)
        if result.rowcount == 0:
            existing = await self.get_by_key(run.flow_run_id, run.task_key, run.dynamic_key)
            if existing is not None:
                return existing
            stored = await self.get(run.id)
            assert stored is not None
            return stored
        # Inserted now: the row holds exactly `values` (no state yet), so the run is built
        # from them as `_to_model` builds it from the row, without reading it back.
        data = {c.name: values.get(c.name) for c in t.columns}
        data["state"] = None
        data.update(self._computed(data))
        return TaskRun.model_validate(data)

    async def get_many(self, run_ids: Sequence[UUID]) -> list[TaskRun]:
        if not run_ids:
            return []
        stmt = self._select().where(t.c.id.in_(list(run_ids)))
        return [self._to_model(row) for row in await self.conn.execute(stmt)]

    async def add_states(self, states: Sequence[tuple[UUID, State]]) -> None:
        if not states:
            return
        now = timeutil.now()
        rows = [state_row(run_id, state, now) for run_id, state in states]
        await self.conn.execute(self.support.insert_ignoring_conflicts(tables.task_run_state, ["id"]), rows)

    async def set_current_state(self, run_id: UUID, state: State, values: dict[str, Any]) -> None:
        await self._update_unread(
            t,
            run_id,
            {
                **values,
                "state_id": state.id,
                "state_type": state.type.value,
                "state_name": state.name,
                "state_timestamp": state.timestamp,
            },
        )
