"""Flow runs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.sorting import FlowRunSort
from prefect_storage_sql import tables
from prefect_storage_sql.filters import flow_runs_in_deployments_and_queues, flow_runs_matching
from prefect_storage_sql.repositories.base import execute_unread, prebuilt
from prefect_storage_sql.repositories.documents import as_uuid
from prefect_storage_sql.repositories.runs import RunRepository

t = tables.flow_run


class SqlFlowRunRepository(RunRepository[FlowRun]):
    table = t
    state_table = tables.flow_run_state
    model = FlowRun
    filter_shapes = True
    sorts = {
        FlowRunSort.ID_DESC: (t.c.id.desc(),),
        FlowRunSort.START_TIME_ASC: (sa.func.coalesce(t.c.start_time, t.c.expected_start_time).asc(),),
        FlowRunSort.START_TIME_DESC: (sa.func.coalesce(t.c.start_time, t.c.expected_start_time).desc(),),
        FlowRunSort.EXPECTED_START_TIME_ASC: (t.c.expected_start_time.asc(),),
        FlowRunSort.EXPECTED_START_TIME_DESC: (t.c.expected_start_time.desc(),),
        FlowRunSort.NAME_ASC: (t.c.name.asc(),),
        FlowRunSort.NAME_DESC: (t.c.name.desc(),),
        FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC: (t.c.next_scheduled_start_time.asc(),),
        FlowRunSort.END_TIME_DESC: (t.c.end_time.desc(),),
    }

    def _matching(self, filters: Any) -> sa.ColumnElement[bool]:
        return sa.and_(
            flow_runs_matching(filters, self.support),
            flow_runs_in_deployments_and_queues(filters, self.support),
        )

    def _select(self) -> sa.Select[Any]:
        # The response names the run's work pool, found through its queue.
        q, p = tables.work_queue, tables.work_pool
        return (
            super()
            ._select()
            .add_columns(p.c.id.label("pool__id"), p.c.name.label("pool__name"))
            .outerjoin(q, q.c.id == t.c.work_queue_id)
            .outerjoin(p, p.c.id == q.c.work_pool_id)
        )

    def _to_model(self, row: sa.Row[Any]) -> FlowRun:
        run = super()._to_model(row)
        run.work_pool_id, run.work_pool_name = row._mapping["pool__id"], row._mapping["pool__name"]
        return run

    def _to_document(self, row: Any) -> dict[str, Any]:
        doc = super()._to_document(row)
        doc["work_pool_id"], doc["work_pool_name"] = as_uuid(row.pool__id), row.pool__name
        return doc

    async def get_by_idempotency_key(self, flow_id: UUID, key: str) -> FlowRun | None:
        stmt = self._select().where(t.c.flow_id == flow_id, t.c.idempotency_key == key)
        row = (await self.conn.execute(stmt)).first()
        return self._to_model(row) if row else None

    async def insert(self, run: FlowRun) -> FlowRun:
        """Insert; with an idempotency key already used for this flow, return that run."""
        values = self._row_values(run)
        values.pop("state_id", None)
        for key in ("state_type", "state_name", "state_timestamp"):
            values.pop(key, None)
        if run.idempotency_key is not None:
            stmt = prebuilt(
                ("flow_run", "insert_idempotent", self.support.name),
                lambda: self.support.insert_ignoring_conflicts(t, ["flow_id", "idempotency_key"]),
            )
            result = await self.conn.execute(stmt, values)
            if result.rowcount == 0:
                existing = await self.get_by_idempotency_key(run.flow_id, run.idempotency_key)
                assert existing is not None
                return existing
        else:
            # Sent with the next statement (on SQLite, one thread hop for both).
            await execute_unread(self.conn, prebuilt(("flow_run", "insert"), lambda: sa.insert(t)), values)
        if values.get("work_queue_id") is None:
            # Inserted now, in no work queue (so in no pool): the row holds exactly `values`
            # (no state yet), and the run is built from them as `_to_model` builds it from
            # the row, without reading it back.
            data = {c.name: values.get(c.name) for c in t.columns}
            data["state"] = None
            data.update(self._computed(data))
            return FlowRun.model_validate(data)
        stored = await self.get(run.id)  # its work pool comes from the join
        assert stored is not None
        return stored
