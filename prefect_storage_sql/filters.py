"""Translate the core's filter bodies into SQLAlchemy Core conditions.

The reference joins filters across objects: a flow filter in a flow-run query
keeps runs whose flow matches, and so on. Each `*_matching` function returns
one boolean condition for the table it is named after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from prefect_core.ports import RunFilters
from prefect_core.schemas import filters as f
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport

TRUE = sa.true()


def _combine(operator: f.Operator, conditions: list[sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    if not conditions:
        return TRUE
    return sa.or_(*conditions) if operator == f.Operator.or_ else sa.and_(*conditions)


def _any(column: sa.ColumnElement[Any], values: Iterable[Any]) -> sa.ColumnElement[bool]:
    return column.in_([v.value if hasattr(v, "value") else v for v in values])


def _like(column: sa.ColumnElement[Any], text: str) -> sa.ColumnElement[bool]:
    return column.ilike(f"%{text}%")


def _time_range(column: sa.ColumnElement[Any], crit: Any) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if getattr(crit, "before_", None) is not None:
        out.append(column <= crit.before_)
    if getattr(crit, "after_", None) is not None:
        out.append(column >= crit.after_)
    if getattr(crit, "is_null_", None) is not None:
        out.append(column.is_(None) if crit.is_null_ else column.is_not(None))
    return out


def _ids(column: sa.ColumnElement[Any], crit: Any) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if getattr(crit, "any_", None) is not None:
        out.append(_any(column, crit.any_))
    if getattr(crit, "not_any_", None) is not None:
        out.append(sa.not_(_any(column, crit.not_any_)))
    if getattr(crit, "is_null_", None) is not None:
        out.append(column.is_(None) if crit.is_null_ else column.is_not(None))
    return out


def _names(column: sa.ColumnElement[Any], crit: Any) -> list[sa.ColumnElement[bool]]:
    out = _ids(column, crit)
    if getattr(crit, "like_", None) is not None:
        out.append(_like(column, crit.like_))
    if getattr(crit, "not_like_", None) is not None:
        out.append(sa.not_(_like(column, crit.not_like_)))
    if getattr(crit, "startswith_", None) is not None:
        out.append(column.like(f"{crit.startswith_}%"))
    return out


def _tags(column: sa.ColumnElement[Any], crit: Any, support: SqlDialectSupport) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if getattr(crit, "all_", None):
        out.append(support.json_array_contains_all(column, crit.all_))
    if getattr(crit, "any_", None):
        out.append(support.json_array_contains_any(column, crit.any_))
    if getattr(crit, "is_null_", None) is not None:
        empty = support.json_array_is_empty(column)
        out.append(empty if crit.is_null_ else sa.not_(empty))
    return out


def _state(table: sa.Table, crit: Any) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if crit.type is not None:
        out += _ids(table.c.state_type, crit.type)
    if crit.name is not None:
        out += _ids(table.c.state_name, crit.name)
    return [_combine(getattr(crit, "operator", f.Operator.and_), out)] if out else []


def flow_condition(flt: f.FlowFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.flow
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None:
        out += _ids(t.c.id, flt.id)
    if flt.name is not None:
        out += _names(t.c.name, flt.name)
    if flt.tags is not None:
        out += _tags(t.c.tags, flt.tags, support)
    if flt.deployment is not None and flt.deployment.is_null_ is not None:
        has_runs_with_deployment = sa.exists().where(
            tables.flow_run.c.flow_id == t.c.id, tables.flow_run.c.deployment_id.is_not(None)
        )
        out.append(sa.not_(has_runs_with_deployment) if flt.deployment.is_null_ else has_runs_with_deployment)
    return _combine(flt.operator, out)


def flow_run_condition(flt: f.FlowRunFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.flow_run
    out: list[sa.ColumnElement[bool]] = []
    simple: dict[str, Callable[[Any], list[sa.ColumnElement[bool]]]] = {
        "id": lambda c: _ids(t.c.id, c),
        "name": lambda c: _names(t.c.name, c),
        "tags": lambda c: _tags(t.c.tags, c, support),
        "deployment_id": lambda c: _ids(t.c.deployment_id, c),
        "work_queue_name": lambda c: _ids(t.c.work_queue_name, c),
        "state": lambda c: _state(t, c),
        "flow_version": lambda c: _ids(t.c.flow_version, c),
        "start_time": lambda c: _time_range(t.c.start_time, c),
        "end_time": lambda c: _time_range(t.c.end_time, c),
        "expected_start_time": lambda c: _time_range(t.c.expected_start_time, c),
        "next_scheduled_start_time": lambda c: _time_range(t.c.next_scheduled_start_time, c),
        "parent_task_run_id": lambda c: _ids(t.c.parent_task_run_id, c),
        "idempotency_key": lambda c: _ids(t.c.idempotency_key, c),
    }
    for name, crit in flt.criteria().items():
        if name in simple:
            out += simple[name](crit)
        elif name == "parent_flow_run_id" and crit.any_ is not None:
            parents = sa.select(tables.task_run.c.id).where(
                _any(tables.task_run.c.flow_run_id, crit.any_)
            )
            out.append(t.c.parent_task_run_id.in_(parents))
        elif name == "created_by":
            # The shared Json type has no index operator; the generic JSON type renders
            # `->>` on PostgreSQL and JSON_EXTRACT on SQLite.
            created_by = sa.type_coerce(t.c.created_by, sa.JSON)
            if crit.id_ is not None:
                out.append(_any(created_by["id"].as_string(), [str(i) for i in crit.id_]))
            if crit.type_ is not None:
                out.append(_any(created_by["type"].as_string(), crit.type_))
            if crit.is_null_ is not None:
                out.append(t.c.created_by.is_(None) if crit.is_null_ else t.c.created_by.is_not(None))
    return _combine(flt.operator, out)


def task_run_condition(flt: f.TaskRunFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.task_run
    out: list[sa.ColumnElement[bool]] = []
    simple: dict[str, Callable[[Any], list[sa.ColumnElement[bool]]]] = {
        "id": lambda c: _ids(t.c.id, c),
        "name": lambda c: _names(t.c.name, c),
        "tags": lambda c: _tags(t.c.tags, c, support),
        "state": lambda c: _state(t, c),
        "start_time": lambda c: _time_range(t.c.start_time, c),
        "end_time": lambda c: _time_range(t.c.end_time, c),
        "expected_start_time": lambda c: _time_range(t.c.expected_start_time, c),
        "flow_run_id": lambda c: _ids(t.c.flow_run_id, c),
    }
    for name, crit in flt.criteria().items():
        if name in simple:
            out += simple[name](crit)
        elif name == "subflow_runs" and crit.exists_ is not None:
            is_subflow = sa.exists().where(tables.flow_run.c.parent_task_run_id == t.c.id)
            out.append(is_subflow if crit.exists_ else sa.not_(is_subflow))
    return _combine(flt.operator, out)


def log_condition(flt: f.LogFilter | None) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.log
    out: list[sa.ColumnElement[bool]] = []
    if flt.level is not None:
        # Bounds bind as 64-bit integers: any bound the API accepts compares with the
        # (smaller) level column, rather than overflowing the column's type.
        if flt.level.ge_ is not None:
            out.append(t.c.level >= sa.literal(flt.level.ge_, sa.BigInteger))
        if flt.level.le_ is not None:
            out.append(t.c.level <= sa.literal(flt.level.le_, sa.BigInteger))
    if flt.timestamp is not None:
        out += _time_range(t.c.timestamp, flt.timestamp)
    if flt.flow_run_id is not None:
        out += _ids(t.c.flow_run_id, flt.flow_run_id)
    if flt.task_run_id is not None:
        out += _ids(t.c.task_run_id, flt.task_run_id)
    if flt.text is not None and flt.text.query:
        out.append(sa.or_(_like(t.c.message, flt.text.query), _like(t.c.name, flt.text.query)))
    return _combine(getattr(flt, "operator", f.Operator.and_), out)


def _is_set(flt: Any) -> bool:
    return flt is not None and bool(flt.criteria())


def flows_matching(filters: RunFilters, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """Flows matching the flow filter, and having runs/tasks matching theirs."""
    cond = flow_condition(getattr(filters, "flows", None), support)
    fr, tr = getattr(filters, "flow_runs", None), getattr(filters, "task_runs", None)
    if _is_set(fr) or _is_set(tr):
        runs = sa.select(tables.flow_run.c.flow_id).where(flow_run_condition(fr, support))
        if _is_set(tr):
            runs = runs.where(
                tables.flow_run.c.id.in_(
                    sa.select(tables.task_run.c.flow_run_id).where(task_run_condition(tr, support))
                )
            )
        cond = sa.and_(cond, tables.flow.c.id.in_(runs))
    return cond


def flow_runs_matching(filters: RunFilters, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """Flow runs matching their filter, whose flow matches, with task runs matching."""
    t = tables.flow_run
    cond = flow_run_condition(getattr(filters, "flow_runs", None), support)
    fl, tr = getattr(filters, "flows", None), getattr(filters, "task_runs", None)
    if _is_set(fl):
        cond = sa.and_(cond, t.c.flow_id.in_(sa.select(tables.flow.c.id).where(flow_condition(fl, support))))
    if _is_set(tr):
        cond = sa.and_(
            cond,
            t.c.id.in_(sa.select(tables.task_run.c.flow_run_id).where(task_run_condition(tr, support))),
        )
    return cond


def task_runs_matching(filters: RunFilters, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """Task runs matching their filter, in flow runs (and flows) matching theirs."""
    t = tables.task_run
    cond = task_run_condition(getattr(filters, "task_runs", None), support)
    fl, fr = getattr(filters, "flows", None), getattr(filters, "flow_runs", None)
    if _is_set(fr) or _is_set(fl):
        runs = sa.select(tables.flow_run.c.id).where(flow_runs_matching(_OnlyRuns(fl, fr), support))
        cond = sa.and_(cond, t.c.flow_run_id.in_(runs))
    return cond


class _OnlyRuns:
    def __init__(self, flows: Any, flow_runs: Any) -> None:
        self.flows, self.flow_runs, self.task_runs = flows, flow_runs, None
