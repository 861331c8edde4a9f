"""Deployment filters as SQLAlchemy conditions, joined across flows, runs, pools and queues."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import (
    TRUE,
    combine,
    contains_text,
    id_criteria,
    is_set,
    name_criteria,
    tag_criteria,
)
from prefect_storage_sql.filters.flow_runs import flow_run_condition
from prefect_storage_sql.filters.flows import flow_condition
from prefect_storage_sql.filters.task_runs import task_run_condition
from prefect_storage_sql.filters.work_pools import work_pool_condition, work_queue_condition

d, q, p = tables.deployment, tables.work_queue, tables.work_pool


def deployment_condition(flt: f.DeploymentFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None:
        out += id_criteria(d.c.id, flt.id)
    if flt.name is not None:
        out += name_criteria(d.c.name, flt.name)
    if flt.flow_or_deployment_name is not None and flt.flow_or_deployment_name.like_ is not None:
        text = flt.flow_or_deployment_name.like_
        flow_named = sa.exists().where(tables.flow.c.id == d.c.flow_id, contains_text(tables.flow.c.name, text))
        out.append(sa.or_(contains_text(d.c.name, text), flow_named))
    if flt.paused is not None and flt.paused.eq_ is not None:
        out.append(d.c.paused.is_(flt.paused.eq_))
    if flt.tags is not None:
        tags = tag_criteria(d.c.tags, flt.tags, support)
        if tags:
            out.append(combine(flt.tags.operator, tags))
    if flt.work_queue_name is not None:
        out += id_criteria(d.c.work_queue_name, flt.work_queue_name)
    # `concurrency_limit` (deprecated) is accepted and ignored, as the reference does.
    return combine(flt.operator, out)


def queues_matching(filters: Any) -> sa.Select[Any] | None:
    """Ids of the queues matching the work-pool and work-queue filters, if any is set."""
    pools, queues = getattr(filters, "work_pools", None), getattr(filters, "work_pool_queues", None)
    if not (is_set(pools) or is_set(queues)):
        return None
    stmt = sa.select(q.c.id).where(work_queue_condition(queues))
    if is_set(pools):
        stmt = stmt.join(p, p.c.id == q.c.work_pool_id).where(work_pool_condition(pools))
    return stmt


def deployments_matching(filters: Any, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """Deployments matching their filter, whose flow, runs and queue match theirs."""
    cond = deployment_condition(getattr(filters, "deployments", None), support)
    fl = getattr(filters, "flows", None)
    fr, tr = getattr(filters, "flow_runs", None), getattr(filters, "task_runs", None)
    if is_set(fl):
        cond = sa.and_(cond, d.c.flow_id.in_(sa.select(tables.flow.c.id).where(flow_condition(fl, support))))
    if is_set(fr) or is_set(tr):
        runs = sa.select(tables.flow_run.c.deployment_id).where(flow_run_condition(fr, support))
        if is_set(tr):
            runs = runs.where(
                tables.flow_run.c.id.in_(
                    sa.select(tables.task_run.c.flow_run_id).where(task_run_condition(tr, support))
                )
            )
        cond = sa.and_(cond, d.c.id.in_(runs))
    queues = queues_matching(filters)
    if queues is not None:
        cond = sa.and_(cond, d.c.work_queue_id.in_(queues))
    return cond


def flow_runs_in_deployments_and_queues(filters: Any, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """The deployment, work-pool and work-queue parts of a flow-run query."""
    t = tables.flow_run
    cond: sa.ColumnElement[bool] = TRUE
    deployments = getattr(filters, "deployments", None)
    if is_set(deployments):
        cond = sa.and_(cond, t.c.deployment_id.in_(sa.select(d.c.id).where(deployment_condition(deployments, support))))
    queues = queues_matching(filters)
    if queues is not None:
        cond = sa.and_(cond, t.c.work_queue_id.in_(queues))
    return cond


def flows_with_deployments_and_queues(filters: Any, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    """The deployment, work-pool and work-queue parts of a flow query (through deployments)."""
    deployments = getattr(filters, "deployments", None)
    queues = queues_matching(filters)
    if not is_set(deployments) and queues is None:
        return TRUE
    stmt = sa.select(d.c.flow_id).where(deployment_condition(deployments, support))
    if queues is not None:
        stmt = stmt.where(d.c.work_queue_id.in_(queues))
    return tables.flow.c.id.in_(stmt)
