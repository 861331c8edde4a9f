"""Variable filters as conditions on the variable table."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.schemas.filters.variables import VariableFilter
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import TRUE, any_of, combine, contains_text, tag_criteria


def variable_condition(flt: VariableFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    t = tables.variable
    out: list[sa.ColumnElement[bool]] = []
    if flt.id is not None and flt.id.any_ is not None:
        out.append(any_of(t.c.id, flt.id.any_))
    if flt.name is not None:
        name: list[sa.ColumnElement[bool]] = []
        if flt.name.any_ is not None:
            name.append(any_of(t.c.name, flt.name.any_))
        if flt.name.like_:  # an empty pattern is no criterion, as in the reference
            name.append(contains_text(t.c.name, flt.name.like_))
        out.append(sa.and_(*name) if name else TRUE)
    if flt.tags is not None:
        out.append(combine(flt.tags.operator, tag_criteria(t.c.tags, flt.tags, support)))
    return combine(flt.operator, out)
