"""Flow run filters as conditions on the flow run table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import (
    TRUE,
    any_of,
    combine,
    id_criteria,
    name_criteria,
    state_criteria,
    tag_criteria,
    time_range,
)


def flow_run_condition(flt: f.FlowRunFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.flow_run
    out: list[sa.ColumnElement[bool]] = []
    simple: dict[str, Callable[[Any], list[sa.ColumnElement[bool]]]] = {
        "id": lambda c: id_criteria(t.c.id, c),
        "name": lambda c: name_criteria(t.c.name, c),
        "tags": lambda c: tag_criteria(t.c.tags, c, support),
        "deployment_id": lambda c: id_criteria(t.c.deployment_id, c),
        "work_queue_name": lambda c: id_criteria(t.c.work_queue_name, c),
        "state": lambda c: state_criteria(t, c),
        "flow_version": lambda c: id_criteria(t.c.flow_version, c),
        "start_time": lambda c: time_range(t.c.start_time, c),
        "end_time": lambda c: time_range(t.c.end_time, c),
        "expected_start_time": lambda c: time_range(t.c.expected_start_time, c),
        "next_scheduled_start_time": lambda c: time_range(t.c.next_scheduled_start_time, c),
        "parent_task_run_id": lambda c: id_criteria(t.c.parent_task_run_id, c),
        "idempotency_key": lambda c: id_criteria(t.c.idempotency_key, c),
    }
    for name, crit in flt.criteria().items():
        if name in simple:
            out += simple[name](crit)
        elif name == "parent_flow_run_id" and crit.any_ is not None:
            parents = sa.select(tables.task_run.c.id).where(any_of(tables.task_run.c.flow_run_id, crit.any_))
            out.append(t.c.parent_task_run_id.in_(parents))
        elif name == "created_by":
            # The shared Json type has no index operator; the generic JSON type renders
            # `->>` on PostgreSQL and JSON_EXTRACT on SQLite.
            created_by = sa.type_coerce(t.c.created_by, sa.JSON)
            if crit.id_ is not None:
                out.append(any_of(created_by["id"].as_string(), [str(i) for i in crit.id_]))
            if crit.type_ is not None:
                out.append(any_of(created_by["type"].as_string(), crit.type_))
            if crit.is_null_ is not None:
                out.append(t.c.created_by.is_(None) if crit.is_null_ else t.c.created_by.is_not(None))
    return combine(flt.operator, out)
