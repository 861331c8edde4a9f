"""Joined run filters: a flow filter in a flow-run query keeps runs whose flow matches, and so on."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from prefect_core.ports import RunFilters
from prefect_core.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import is_set
from prefect_storage_sql.filters.flow_runs import flow_run_condition
from prefect_storage_sql.filters.flows import flow_condition
from prefect_storage_sql.filters.task_runs import task_run_condition


def flows_matching(filters: RunFilters, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """Flows matching the flow filter, and having runs/tasks matching theirs."""
    cond = flow_condition(getattr(filters, "flows", None), support)
    fr, tr = getattr(filters, "flow_runs", None), getattr(filters, "task_runs", None)
    if is_set(fr) or is_set(tr):
        runs = sa.select(tables.flow_run.c.flow_id).where(flow_run_condition(fr, support))
        if is_set(tr):
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
    if is_set(fl):
        cond = sa.and_(cond, t.c.flow_id.in_(sa.select(tables.flow.c.id).where(flow_condition(fl, support))))
    if is_set(tr):
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
    if is_set(fr) or is_set(fl):
        runs = sa.select(tables.flow_run.c.id).where(flow_runs_matching(OnlyRuns(fl, fr), support))
        cond = sa.and_(cond, t.c.flow_run_id.in_(runs))
    return cond


@dataclass
class OnlyRuns:
    """The flow and flow-run parts of a run filter, without its task-run part."""

    flows: FlowFilter | None
    flow_runs: FlowRunFilter | None
    task_runs: TaskRunFilter | None = None
