"""Prebuilt statements for the common shapes of a flow-run filter.

Building a filtered select and deriving its SQLAlchemy cache key costs ~1 ms, against
~0.1 ms to run a prebuilt one, and some filters come back all the time with other values
only: the client looks up a subflow's run by its parent task run before creating it, the
background loops look for PAUSED, CANCELLING and late SCHEDULED runs every few seconds.

`shape_of` reduces a filter body to its shape (which criteria, with which operators) and
the values it binds, when the body uses only criteria whose SQL does not depend on their
values (ids or names `any_` and `is_null_`, state type/name `any_`, time ranges `before_`/`after_`) and
filters nothing but flow runs; anything else returns None and takes the general path
(`prefect_storage_sql.filters`). `condition_for` builds, once per shape, the same condition
the general path builds, with named bind parameters in place of the values.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from prefect_core.schemas import filters as f
from prefect_storage_sql import tables

#: Flow-run criteria matched with `IN (...)` on their own column when only `any_` is given.
_ANY_OF = frozenset(("id", "deployment_id", "work_queue_name", "flow_version", "parent_task_run_id", "idempotency_key"))
#: Flow-run criteria that are time ranges (`before_` is `<=`, `after_` is `>=`).
_RANGES = ("start_time", "end_time", "expected_start_time", "next_scheduled_start_time")
#: The other sections of a run filter body: a shape has none of them set.
_OTHER_SECTIONS = ("flows", "task_runs", "deployments", "work_pools", "work_pool_queues")

Shape = tuple[Any, ...]


def _values(items: list[Any]) -> list[Any]:
    # As `filters.criteria.any_of` binds them (enums by value).
    return [v.value if hasattr(v, "value") else v for v in items]


def _only(crit: Any, *names: str) -> bool:
    """True when `crit` sets no criterion besides `names` (its operator aside)."""
    return all(name in names for name in crit.criteria())


def shape_of(filters: Any) -> tuple[Shape, dict[str, Any]] | None:
    """The shape of a run filter body and the values to bind, or None (general path)."""
    for section in _OTHER_SECTIONS:
        value = getattr(filters, section, None)
        if value is not None and value.criteria():
            return None
    flt = getattr(filters, "flow_runs", None)
    if not isinstance(flt, f.FlowRunFilter):
        return None
    parts: list[Any] = []
    values: dict[str, Any] = {}
    for name, crit in flt.criteria().items():
        if name in _ANY_OF:
            if not _only(crit, "any_", "is_null_"):
                return None
            if crit.any_ is not None:
                if not crit.any_:
                    return None  # an empty IN: left to the general path
                parts.append((name, "any"))
                values[f"_{name}"] = _values(crit.any_)
            if getattr(crit, "is_null_", None) is not None:
                parts.append((name, "null", bool(crit.is_null_)))
        elif name in _RANGES:
            if not _only(crit, "before_", "after_"):
                return None
            if crit.before_ is not None:
                parts.append((name, "before"))
                values[f"_{name}_before"] = crit.before_
            if crit.after_ is not None:
                parts.append((name, "after"))
                values[f"_{name}_after"] = crit.after_
        elif name == "state":
            state = []
            for part in ("type", "name"):
                sub = getattr(crit, part)
                if sub is None:
                    continue
                if not _only(sub, "any_"):
                    return None
                if sub.any_ is not None:
                    if not sub.any_:
                        return None
                    state.append(part)
                    values[f"_state_{part}"] = _values(sub.any_)
            if state:
                parts.append(("state", getattr(crit, "operator", f.Operator.and_), tuple(state)))
        else:
            return None
    if not parts:
        return None  # no criterion at all: the unfiltered listing has its own prebuilt select
    return (flt.operator, tuple(parts)), values


def _combine(operator: Any, conditions: list[sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    return sa.or_(*conditions) if operator == f.Operator.or_ else sa.and_(*conditions)


def condition_for(shape: Shape) -> sa.ColumnElement[bool]:
    """The WHERE condition of `shape`, binding the names `shape_of` gives its values."""
    t = tables.flow_run
    operator, parts = shape
    out: list[sa.ColumnElement[bool]] = []
    for part in parts:
        name = part[0]
        if name == "state":
            columns = {"type": t.c.state_type, "name": t.c.state_name}
            state: list[sa.ColumnElement[bool]] = [
                columns[p].in_(sa.bindparam(f"_state_{p}", expanding=True)) for p in part[2]
            ]
            out.append(_combine(part[1], state))
        elif part[1] == "any":
            out.append(t.c[name].in_(sa.bindparam(f"_{name}", expanding=True)))
        elif part[1] == "null":
            column = t.c[name]
            out.append(column.is_(None) if part[2] else column.is_not(None))
        else:
            column = t.c[name]
            bound = sa.bindparam(f"_{name}_{part[1]}", type_=column.type)
            out.append(column <= bound if part[1] == "before" else column >= bound)
    return _combine(operator, out)
