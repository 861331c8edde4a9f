"""What a flow run's events name besides the run: its flow, deployment, queue, pool, parent task."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core.ports import FlowRunRelatives, Relative
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import SqlRepository, prebuilt


def _relatives_select() -> sa.Select[Any]:
    f, d, wq, wp, tr = tables.flow, tables.deployment, tables.work_queue, tables.work_pool, tables.task_run

    def param(name: str, column: sa.Column[Any]) -> sa.BindParameter[Any]:
        return sa.bindparam(name, type_=column.type)

    # One row, whatever exists: each relative is an outer join on the id the run names.
    joined = (
        f.outerjoin(d, d.c.id == param("_deployment_id", d.c.id))
        .outerjoin(wq, wq.c.id == param("_work_queue_id", wq.c.id))
        .outerjoin(wp, wp.c.id == wq.c.work_pool_id)
        .outerjoin(tr, tr.c.id == param("_task_run_id", tr.c.id))
    )
    return (
        sa.select(
            f.c.id.label("flow_id"),
            f.c.name.label("flow_name"),
            f.c.tags.label("flow_tags"),
            d.c.id.label("deployment_id"),
            d.c.name.label("deployment_name"),
            d.c.tags.label("deployment_tags"),
            wq.c.id.label("queue_id"),
            wq.c.name.label("queue_name"),
            wp.c.id.label("pool_id"),
            wp.c.name.label("pool_name"),
            wp.c.type.label("pool_type"),
            tr.c.id.label("task_run_id"),
            tr.c.name.label("task_run_name"),
            tr.c.tags.label("task_run_tags"),
        )
        .select_from(joined)
        .where(f.c.id == param("_flow_id", f.c.id))
    )


def _relative(m: Any, prefix: str, *, tags: bool = True, type_: bool = False) -> Relative | None:
    if m[f"{prefix}_id"] is None:
        return None
    return Relative(
        id=m[f"{prefix}_id"],
        name=m[f"{prefix}_name"],
        tags=tuple(m[f"{prefix}_tags"] or ()) if tags else (),
        type=m[f"{prefix}_type"] if type_ else None,
    )


class SqlFlowRunRelativesRepository(SqlRepository):
    """Implements `prefect_core.ports.FlowRunRelativesRepository` in one prebuilt read."""

    async def get(
        self,
        flow_id: UUID,
        *,
        deployment_id: UUID | None,
        work_queue_id: UUID | None,
        parent_task_run_id: UUID | None,
    ) -> FlowRunRelatives:
        params = {
            "_flow_id": flow_id,
            "_deployment_id": deployment_id,
            "_work_queue_id": work_queue_id,
            "_task_run_id": parent_task_run_id,
        }
        row = (await self.conn.execute(prebuilt(("flow_run", "relatives"), _relatives_select), params)).first()
        if row is None:
            return FlowRunRelatives()
        m = row._mapping
        return FlowRunRelatives(
            flow=_relative(m, "flow"),
            deployment=_relative(m, "deployment"),
            work_queue=_relative(m, "queue", tags=False),
            work_pool=_relative(m, "pool", tags=False, type_=True),
            parent_task_run=_relative(m, "task_run"),
        )
