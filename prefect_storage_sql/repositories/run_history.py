"""Run history as one aggregate query: runs counted per time bucket and state, with the
sums of their estimated run time and lateness, computed by the database.

The history used to fetch every run of the window and bucket it in Python, on the event
loop (tens of milliseconds per 10,000 runs, during which no other request was served).
Here the database does the per-run work, and the loop only shapes a result of at most
(buckets x states) rows. The estimates follow `prefect_core.run_facts` exactly
(`tests/storage/test_run_history_contract.py` compares the two on seeded data).

Date arithmetic is the one thing SQL databases spell differently: `seconds_between` and
`at_least_zero` compile to the interval form here (PostgreSQL and databases like it) and
each plugin whose database lacks it registers its own form (SQLite:
`prefect_storage_sqlite.dialect`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from prefect_core.ports.run_filters import HistoryCount
from prefect_core.schemas.states import TERMINAL_STATES, StateType
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.types import Timestamp

_TERMINAL = sorted(s.value for s in TERMINAL_STATES)
_ZERO = sa.literal_column("0.0", sa.Float)


class seconds_between(FunctionElement[float]):
    """`later - earlier` in seconds (a float, microseconds included) for two timestamps."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


class at_least_zero(FunctionElement[float]):
    """`max(value, 0)` for one non-NULL number."""

    type = sa.Float()
    name = "at_least_zero"
    inherit_cache = True


@compiles(seconds_between)
def _interval_seconds(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(at_least_zero)
def _greatest(element: at_least_zero, compiler: Any, **kw: Any) -> str:
    (value,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"GREATEST({value}, 0.0)"


def history_select(
    table: sa.Table,
    matching: sa.ColumnElement[bool],
    support: SqlDialectSupport,
    start: dt.datetime,
    interval_seconds: float,
    count: int,
    now: dt.datetime,
) -> sa.Select[Any]:
    """(bucket, state_type, state_name, runs, sum of run time, sum of lateness) of the runs
    of `table` matching `matching` expected in `count` intervals from `start`."""
    t = table
    stamp = t.c.expected_start_time.type
    at_start = sa.bindparam("_history_start", start, type_=stamp)
    at_now = sa.bindparam("_history_now", now, type_=Timestamp())
    end = start + dt.timedelta(seconds=interval_seconds) * count
    # run_facts.estimated_run_time: the recorded time, plus the current RUNNING state's so far.
    running = sa.and_(t.c.state_type == StateType.RUNNING.value, t.c.state_timestamp.is_not(None))
    run_time = at_least_zero(
        t.c.total_run_time
        + sa.case((running, at_least_zero(seconds_between(at_now, t.c.state_timestamp))), else_=_ZERO)
    )
    # run_facts.lateness_seconds: how late it started; not started and not finished: how late by now.
    lateness = sa.case(
        (t.c.start_time.is_not(None), at_least_zero(seconds_between(t.c.start_time, t.c.expected_start_time))),
        (
            sa.and_(t.c.state_type.not_in(_TERMINAL), t.c.expected_start_time < at_now),
            seconds_between(at_now, t.c.expected_start_time),
        ),
        else_=_ZERO,
    )
    width = sa.bindparam("_history_width", float(interval_seconds), type_=sa.Float())
    per_run = (
        sa.select(
            support.floor_of_nonnegative(seconds_between(t.c.expected_start_time, at_start) / width).label("bucket"),
            t.c.state_type.label("state_type"),
            sa.func.coalesce(t.c.state_name, "").label("state_name"),
            run_time.label("run_time"),
            lateness.label("lateness"),
        )
        .where(
            matching,
            t.c.expected_start_time >= start,
            t.c.expected_start_time < end,
            t.c.state_type.is_not(None),
        )
        .subquery("per_run")
    )
    keys = (per_run.c.bucket, per_run.c.state_type, per_run.c.state_name)
    return sa.select(*keys, sa.func.count(), sa.func.sum(per_run.c.run_time), sa.func.sum(per_run.c.lateness)).group_by(
        *keys
    )


def history_counts(rows: Any, count: int) -> list[HistoryCount]:
    """The query's rows as `HistoryCount`s (a run the database put past the last bucket,
    by rounding at its very end, counts in the last one, as [start, end) holds it)."""
    found: dict[tuple[int, str, str], list[float]] = {}
    for bucket, state_type, state_name, runs, run_time, lateness in rows:
        key = (min(int(bucket), count - 1), str(state_type), str(state_name))
        acc = found.setdefault(key, [0, 0.0, 0.0])
        acc[0] += int(runs)
        acc[1] += float(run_time or 0.0)
        acc[2] += float(lateness or 0.0)
    return [
        HistoryCount(bucket=b, state_type=st, state_name=n, runs=int(c), run_time=r, lateness=late)
        for (b, st, n), (c, r, late) in found.items()
    ]
