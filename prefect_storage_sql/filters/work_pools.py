"""Work-pool, work-queue and worker filters as SQLAlchemy conditions."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql import tables
from prefect_storage_sql.filters.criteria import (
    TRUE,
    combine,
    id_criteria,
    time_range,
)

q, p, w = tables.work_queue, tables.work_pool, tables.worker


def work_pool_condition(flt: f.WorkPoolFilter | None) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None:
        out += id_criteria(p.c.id, flt.id)
    if flt.name is not None:
        out += id_criteria(p.c.name, flt.name)
    if flt.type is not None:
        out += id_criteria(p.c.type, flt.type)
    return combine(flt.operator, out)


def work_queue_condition(flt: f.WorkQueueFilter | None) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None:
        out += id_criteria(q.c.id, flt.id)
    if flt.name is not None:
        if flt.name.any_ is not None:
            out.append(q.c.name.in_(flt.name.any_))
        if flt.name.startswith_ is not None:
            out.append(sa.or_(*(q.c.name.ilike(f"{prefix}%") for prefix in flt.name.startswith_)))
    return combine(flt.operator, out)


def worker_condition(flt: f.WorkerFilter | None) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    out: list[sa.ColumnElement[bool]] = []
    if flt.last_heartbeat_time is not None:
        out += time_range(w.c.last_heartbeat_time, flt.last_heartbeat_time)
    if flt.status is not None:
        out += id_criteria(w.c.status, flt.status)
    return combine(flt.operator, out)
