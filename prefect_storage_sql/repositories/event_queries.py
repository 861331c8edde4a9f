"""Translating an `EventFilter` into SQL conditions on `events` / `event_resources`.

What every SQL database can answer exactly (time range, names, resource ids,
related ids and roles, event ids) becomes WHERE clauses. Label globs and text
search have no portable exact form (SQLite's LIKE ignores case, JSON access
differs by dialect), so for those the query returns a superset and the
repository finishes with the filter's own `includes` — the `residual` flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from prefect_core.schemas.event_filters import (
    EventAnyResourceFilter,
    EventFilter,
    EventRelatedFilter,
    ResourceSpecification,
    as_list,
)
from prefect_storage_sql import tables

t = tables.events
r = tables.event_resources

_LIKE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_", "*": "%", "?": "_"})


@dataclass
class EventQuery:
    """WHERE clauses for a filter, and whether rows still need `filter.includes`."""

    where: list[sa.ColumnElement[bool]] = field(default_factory=list)
    residual: bool = False


def _glob_condition(column: sa.ColumnElement[Any], patterns: list[str]) -> sa.ColumnElement[bool] | None:
    """A superset condition for positive glob patterns, or None when one can't be made."""
    if not patterns:
        return sa.false()  # an empty list of allowed values matches nothing
    if any(p.startswith("!") or "[" in p for p in patterns):
        return None
    return sa.or_(*(column.like(p.translate(_LIKE), escape="\\") for p in patterns))


def _label_conditions(
    labels: ResourceSpecification | None, id_column: Any, role_column: Any | None
) -> list[sa.ColumnElement[bool]]:
    """Conditions for the labels stored as columns; the rest is left to `includes`."""
    out: list[sa.ColumnElement[bool]] = []
    if labels is None:
        return out
    for label, patterns in labels.items():
        column = id_column if label == "prefect.resource.id" else None
        if label == "prefect.resource.role" and role_column is not None:
            column = role_column
        if column is None:
            continue
        condition = _glob_condition(column, patterns)
        if condition is not None:
            out.append(condition)
    return out


def _in_window(f: EventFilter, conditions: list[sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    """`events.id` is among the events with a resource row meeting `conditions`."""
    return t.c.id.in_(
        sa.select(r.c.event_id).where(r.c.occurred >= f.occurred.since, r.c.occurred <= f.occurred.until, *conditions)
    )


def _related(f: EventFilter, crit: EventRelatedFilter) -> sa.ColumnElement[bool] | None:
    conditions: list[sa.ColumnElement[bool]] = []
    if crit.id:
        conditions.append(r.c.resource_id.in_(crit.id))
    if crit.role:
        conditions.append(r.c.resource_role.in_(crit.role))
    if crit.resources_in_roles:
        conditions.append(
            sa.or_(
                *(sa.and_(r.c.resource_id == rid, r.c.resource_role == role) for rid, role in crit.resources_in_roles)
            )
        )
    conditions += _label_conditions(crit.labels, r.c.resource_id, r.c.resource_role)
    if crit.is_empty:
        return None
    if not crit.role:
        conditions.append(r.c.resource_role != "")  # related resources only, not the primary
    return _in_window(f, conditions)


def _any_resource(f: EventFilter, crit: EventAnyResourceFilter) -> sa.ColumnElement[bool] | None:
    conditions: list[sa.ColumnElement[bool]] = []
    if crit.id:
        conditions.append(r.c.resource_id.in_(crit.id))
    if crit.id_prefix:
        conditions.append(sa.or_(*(r.c.resource_id.startswith(p, autoescape=True) for p in crit.id_prefix)))
    conditions += _label_conditions(crit.labels, r.c.resource_id, r.c.resource_role)
    if not (crit.id or crit.id_prefix or crit.labels):
        return None
    return _in_window(f, conditions)


def event_query(f: EventFilter) -> EventQuery:
    """Translate `f` into conditions on the `events` table."""
    q = EventQuery(where=[t.c.occurred >= f.occurred.since, t.c.occurred <= f.occurred.until])
    if f.event is not None:
        e = f.event
        if e.prefix:
            q.where.append(sa.or_(*(t.c.event.startswith(p, autoescape=True) for p in e.prefix)))
        for p in e.exclude_prefix or ():
            q.where.append(sa.not_(t.c.event.startswith(p, autoescape=True)))
        if e.name:
            q.where.append(t.c.event.in_(e.name))
        if e.exclude_name:
            q.where.append(t.c.event.not_in(e.exclude_name))
    if f.resource is not None:
        res = f.resource
        if res.id:
            q.where.append(t.c.resource_id.in_(res.id))
        if res.id_prefix:
            q.where.append(sa.or_(*(t.c.resource_id.startswith(p, autoescape=True) for p in res.id_prefix)))
        q.where += _label_conditions(res.labels, t.c.resource_id, None)
        q.residual |= res.labels is not None
    for crit in as_list(f.related):
        condition = _related(f, crit)
        if condition is not None:
            q.where.append(condition)
        q.residual |= crit.labels is not None
    for crit in as_list(f.any_resource):
        condition = _any_resource(f, crit)
        if condition is not None:
            q.where.append(condition)
        q.residual |= crit.labels is not None
    if f.id.id:
        q.where.append(t.c.id.in_(f.id.id))
    if f.text is not None and f.text.query.strip():
        q.residual = True
    return q
