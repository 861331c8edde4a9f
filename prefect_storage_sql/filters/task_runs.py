"""Task run filters as conditions on the task run table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import (
    TRUE,
    combine,
    id_criteria,
    name_criteria,
    state_criteria,
    tag_criteria,
    time_range,
)


def task_run_condition(flt: f.TaskRunFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.task_run
    out: list[sa.ColumnElement[bool]] = []
    simple: dict[str, Callable[[Any], list[sa.ColumnElement[bool]]]] = {
        "id": lambda c: id_criteria(t.c.id, c),
        "name": lambda c: name_criteria(t.c.name, c),
        "tags": lambda c: tag_criteria(t.c.tags, c, support),
        "state": lambda c: state_criteria(t, c),
        "start_time": lambda c: time_range(t.c.start_time, c),
        "end_time": lambda c: time_range(t.c.end_time, c),
        "expected_start_time": lambda c: time_range(t.c.expected_start_time, c),
        "flow_run_id": lambda c: id_criteria(t.c.flow_run_id, c),
    }
    for name, crit in flt.criteria().items():
        if name in simple:
            out += simple[name](crit)
        elif name == "subflow_runs" and crit.exists_ is not None:
            is_subflow = sa.exists().where(tables.flow_run.c.parent_task_run_id == t.c.id)
            out.append(is_subflow if crit.exists_ else sa.not_(is_subflow))
    return combine(flt.operator, out)
