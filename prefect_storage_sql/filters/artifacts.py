"""Artifact and artifact collection filters, joined on flow runs, flows, deployments and
task runs as the reference joins them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from prefect_core.schemas.filters.artifacts import ArtifactCollectionFilter, ArtifactFilter
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import TRUE, any_of, combine, contains_text
from prefect_storage_sql.filters.deployments import deployment_condition
from prefect_storage_sql.filters.flow_runs import flow_run_condition
from prefect_storage_sql.filters.flows import flow_condition
from prefect_storage_sql.filters.task_runs import task_run_condition


def _own_condition(table: sa.Table, flt: ArtifactFilter | ArtifactCollectionFilter | None) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    c = table.c
    out: list[sa.ColumnElement[bool]] = []
    ids = flt.id if isinstance(flt, ArtifactFilter) else flt.latest_id
    if ids is not None and ids.any_ is not None:
        out.append(any_of(c.id if isinstance(flt, ArtifactFilter) else c.latest_id, ids.any_))
    if flt.key is not None:
        if flt.key.any_ is not None:
            out.append(any_of(c.key, flt.key.any_))
        if flt.key.like_:  # an empty pattern is no criterion, as in the reference
            out.append(contains_text(c.key, flt.key.like_))
        if flt.key.exists_ is not None:
            out.append(c.key.is_not(None) if flt.key.exists_ else c.key.is_(None))
    for column, crit in ((c.flow_run_id, flt.flow_run_id), (c.task_run_id, flt.task_run_id)):
        if crit is not None and crit.any_ is not None:
            out.append(any_of(column, crit.any_))
    if flt.type is not None:
        if flt.type.any_ is not None:
            out.append(any_of(c.type, flt.type.any_))
        if flt.type.not_any_:
            out.append(sa.not_(any_of(c.type, flt.type.not_any_)))
    return combine(flt.operator, out)


def artifacts_matching(table: sa.Table, filters: Any, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """Rows of `table` (artifact or artifact_collection) matching the body's artifact filter,
    whose flow run matches `flow_runs` (and its flow `flows`, its deployment `deployments`)
    and whose task run matches `task_runs`. A run filter that is given, even empty, keeps
    only artifacts having such a run, as in the reference."""
    out = [_own_condition(table, filters.artifacts)]
    fr, fl, dep = filters.flow_runs, filters.flows, filters.deployments
    if fr is not None or fl is not None or dep is not None:
        runs = tables.flow_run
        matching = sa.select(runs.c.id).where(flow_run_condition(fr, support))
        if fl is not None:
            flows = sa.select(tables.flow.c.id).where(flow_condition(fl, support))
            matching = matching.where(runs.c.flow_id.in_(flows))
        if dep is not None:
            deployments = sa.select(tables.deployment.c.id).where(deployment_condition(dep, support))
            matching = matching.where(runs.c.deployment_id.in_(deployments))
        out.append(table.c.flow_run_id.in_(matching))
    if filters.task_runs is not None:
        tasks = sa.select(tables.task_run.c.id).where(task_run_condition(filters.task_runs, support))
        out.append(table.c.task_run_id.in_(tasks))
    return sa.and_(*out)
