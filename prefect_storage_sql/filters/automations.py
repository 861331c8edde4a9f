"""Automation filters as conditions on the automation table."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.schemas.filters.automations import AutomationFilter
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import TRUE, combine, id_criteria, tag_criteria


def automation_condition(flt: AutomationFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.automation
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None:
        out += id_criteria(t.c.id, flt.id)
    if flt.name is not None:
        out += id_criteria(t.c.name, flt.name)
    if flt.created is not None and flt.created.before_ is not None:
        out.append(t.c.created <= flt.created.before_)
    if flt.tags is not None:
        tags = tag_criteria(t.c.tags, flt.tags, support)
        if tags:
            out.append(combine(flt.tags.operator, tags))
    return combine(flt.operator, out)
