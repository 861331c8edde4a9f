"""Log filters as conditions on the log table."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql import tables
from prefect_storage_sql.filters.criteria import TRUE, combine, contains_text, id_criteria, time_range


def log_condition(flt: f.LogFilter | None) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.log
    out: list[sa.ColumnElement[bool]] = []
    if flt.level is not None:
        if flt.level.ge_ is not None:
            out.append(t.c.level >= flt.level.ge_)
        if flt.level.le_ is not None:
            out.append(t.c.level <= flt.level.le_)
    if flt.timestamp is not None:
        out += time_range(t.c.timestamp, flt.timestamp)
    if flt.flow_run_id is not None:
        out += id_criteria(t.c.flow_run_id, flt.flow_run_id)
    if flt.task_run_id is not None:
        out += id_criteria(t.c.task_run_id, flt.task_run_id)
    if flt.text is not None and flt.text.query:
        out.append(sa.or_(contains_text(t.c.message, flt.text.query), contains_text(t.c.name, flt.text.query)))
    return combine(getattr(flt, "operator", f.Operator.and_), out)
