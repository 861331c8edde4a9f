"""Flow filters as conditions on the flow table."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import TRUE, combine, id_criteria, name_criteria, tag_criteria


def flow_condition(flt: f.FlowFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.flow
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None:
        out += id_criteria(t.c.id, flt.id)
    if flt.name is not None:
        out += name_criteria(t.c.name, flt.name)
    if flt.tags is not None:
        out += tag_criteria(t.c.tags, flt.tags, support)
    if flt.deployment is not None and flt.deployment.is_null_ is not None:
        has_runs_with_deployment = sa.exists().where(
            tables.flow_run.c.flow_id == t.c.id, tables.flow_run.c.deployment_id.is_not(None)
        )
        out.append(sa.not_(has_runs_with_deployment) if flt.deployment.is_null_ else has_runs_with_deployment)
    return combine(flt.operator, out)
