"""Building blocks every filter translation uses: combining, any-of, text, time ranges, ids, names, tags, states."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql.dialect import SqlDialectSupport

TRUE = sa.true()


def combine(operator: f.Operator, conditions: list[sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    if not conditions:
        return TRUE
    return sa.or_(*conditions) if operator == f.Operator.or_ else sa.and_(*conditions)


def any_of(column: sa.ColumnElement[Any], values: Iterable[Any]) -> sa.ColumnElement[bool]:
    return column.in_([v.value if hasattr(v, "value") else v for v in values])


def contains_text(column: sa.ColumnElement[Any], text: str) -> sa.ColumnElement[bool]:
    return column.ilike(f"%{text}%")


def time_range(column: sa.ColumnElement[Any], crit: Any) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if getattr(crit, "before_", None) is not None:
        out.append(column <= crit.before_)
    if getattr(crit, "after_", None) is not None:
        out.append(column >= crit.after_)
    if getattr(crit, "is_null_", None) is not None:
        out.append(column.is_(None) if crit.is_null_ else column.is_not(None))
    return out


def id_criteria(column: sa.ColumnElement[Any], crit: Any) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if getattr(crit, "any_", None) is not None:
        out.append(any_of(column, crit.any_))
    if getattr(crit, "not_any_", None) is not None:
        out.append(sa.not_(any_of(column, crit.not_any_)))
    if getattr(crit, "is_null_", None) is not None:
        out.append(column.is_(None) if crit.is_null_ else column.is_not(None))
    return out


def name_criteria(column: sa.ColumnElement[Any], crit: Any) -> list[sa.ColumnElement[bool]]:
    out = id_criteria(column, crit)
    if getattr(crit, "like_", None) is not None:
        out.append(contains_text(column, crit.like_))
    if getattr(crit, "not_like_", None) is not None:
        out.append(sa.not_(contains_text(column, crit.not_like_)))
    if getattr(crit, "startswith_", None) is not None:
        out.append(column.like(f"{crit.startswith_}%"))
    return out


def tag_criteria(column: sa.ColumnElement[Any], crit: Any, support: SqlDialectSupport) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if getattr(crit, "all_", None):
        out.append(support.json_array_contains_all(column, crit.all_))
    if getattr(crit, "any_", None):
        out.append(support.json_array_contains_any(column, crit.any_))
    if getattr(crit, "is_null_", None) is not None:
        empty = support.json_array_is_empty(column)
        out.append(empty if crit.is_null_ else sa.not_(empty))
    return out


def state_criteria(table: sa.Table, crit: Any) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if crit.type is not None:
        out += id_criteria(table.c.state_type, crit.type)
    if crit.name is not None:
        out += id_criteria(table.c.state_name, crit.name)
    return [combine(getattr(crit, "operator", f.Operator.and_), out)] if out else []


def is_set(flt: Any) -> bool:
    return flt is not None and bool(flt.criteria())
