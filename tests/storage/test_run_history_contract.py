"""Run time and lateness as every backend reads them: the core's definitions
(`prefect_core.run_facts`) applied to the stored facts, in a run's own read and in the run
history, which the database aggregates (`prefect_storage_sql.repositories.run_history`);
and that aggregate against a straightforward computation over seeded runs."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from prefect_core import run_facts, timeutil
from prefect_core.schemas.filters import FlowRunFilter, TaskRunFilter
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.states import State, StateType
from prefect_storage_sql import tables


@dataclass
class Filters:
    flows: Any = None
    flow_runs: Any = None
    task_runs: Any = None


#: (state, seconds from now the run was expected (each its own: rows are matched by it),
#: seconds from now it started, run time recorded)
CASES = [
    (StateType.RUNNING, -300, -200, 12.0),  # started 100 s late, running for 200 s
    (StateType.PAUSED, -310, None, 0.0),  # never started, not finished: late by now
    (StateType.SCHEDULED, -60, None, 0.0),
    (StateType.SCHEDULED, 3600, None, 0.0),  # not due yet
    (StateType.COMPLETED, -320, None, 7.0),  # finished without a start time: not late
    (StateType.CANCELLING, -330, -290, 3.0),
]


async def test_estimates_follow_the_core_definitions(storage) -> None:
    before = timeutil.now()
    ids = []
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="timings"))
        for state_type, expected, started, total in CASES:
            run = await uow.flow_runs.insert(
                FlowRun(
                    flow_id=flow.id,
                    expected_start_time=before + dt.timedelta(seconds=expected),
                    start_time=None if started is None else before + dt.timedelta(seconds=started),
                    total_run_time=total,
                )
            )
            await uow.flow_run_states.add(run.id, State(type=state_type, timestamp=before - dt.timedelta(seconds=200)))
            ids.append(run.id)
    # Intervals of 10 s from 400 s ago: each case in an interval of its own.
    start, width = before - dt.timedelta(seconds=400), 10.0
    async with storage.read() as uow:
        runs = [await uow.flow_runs.get(run_id) for run_id in ids]
        now = timeutil.now()
        history = await uow.flow_runs.history(Filters(), start, width, 401, now)
    after = timeutil.now()

    by_bucket = {c.bucket: c for c in history}
    assert len(by_bucket) == len(CASES) and all(c.runs == 1 for c in history)
    for run in runs:
        assert run is not None
        facts = (run.expected_start_time, run.start_time, run.state_type)
        # The run's own read took `now` somewhere between `before` and `after`; both estimates only grow with it.
        late = (run_facts.lateness_seconds(*facts, before), run_facts.lateness_seconds(*facts, after))
        ran = tuple(
            run_facts.estimated_run_time(run.total_run_time, run.state_type, run.state.timestamp, at)
            for at in (before, after)
        )
        assert late[0] <= run.estimated_start_time_delta <= late[1], (run.state_type, late)
        assert ran[0] <= run.estimated_run_time <= ran[1], (run.state_type, ran)
        # The history took the `now` it was given.
        counted = by_bucket[int((run.expected_start_time - start).total_seconds() // width)]
        assert (counted.state_type, counted.state_name) == (run.state_type.value, run.state.name)
        assert counted.lateness == pytest.approx(run_facts.lateness_seconds(*facts, now), abs=1e-6)
        expected_run_time = run_facts.estimated_run_time(run.total_run_time, run.state_type, run.state.timestamp, now)
        assert counted.run_time == pytest.approx(expected_run_time, abs=1e-6)
    paused = runs[1]
    assert paused.estimated_start_time_delta >= 300  # late although not SCHEDULED or PENDING


STATES = [
    (StateType.SCHEDULED, "Scheduled"),
    (StateType.SCHEDULED, "Late"),
    (StateType.PENDING, "Pending"),
    (StateType.RUNNING, "Running"),
    (StateType.COMPLETED, "Completed"),
    (StateType.FAILED, "Failed"),
    (StateType.CRASHED, None),  # no name: counted under ""
    (StateType.CANCELLED, ""),
    (StateType.PAUSED, "Suspended"),
    (None, None),  # no state at all: not counted
]


def _seeded_rows(rng: random.Random, base: dt.datetime, count: int, common: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        state_type, state_name = STATES[i % len(STATES)]
        # Mostly inside the 7-day window, some before and after it, a few without a time, some on a boundary.
        expected: dt.datetime | None = base + dt.timedelta(seconds=rng.uniform(-86400, 8 * 86400))
        if i % 37 == 0:
            expected = None
        elif i % 11 == 0:
            expected = base + dt.timedelta(hours=rng.randrange(0, 168))  # exactly at an interval's start
        elif i % 13 == 0:
            expected = base + dt.timedelta(hours=rng.randrange(0, 168), microseconds=-1)  # just before one
        started = None
        if expected is not None and i % 3:
            started = expected + dt.timedelta(seconds=rng.uniform(-600, 3600), microseconds=rng.randrange(10**6))
        stamp = base + dt.timedelta(seconds=rng.uniform(0, 7 * 86400))
        rows.append(
            {
                **common,
                "id": uuid.uuid4(),
                "name": f"run-{i}",
                "tags": ["etl"] if i % 2 else ["ml"],
                "state_type": None if state_type is None else state_type.value,
                "state_name": state_name,
                "state_timestamp": None if state_type is None else stamp,
                "expected_start_time": expected,
                "start_time": started,
                "total_run_time": round(rng.uniform(0, 500), 6) if i % 4 else 0.0,
            }
        )
    return rows


def _straightforward(rows: list[dict[str, Any]], start: dt.datetime, width: float, count: int, now: dt.datetime):
    """The history computed run by run from the core's definitions."""
    out: dict[tuple[int, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for row in rows:
        expected, state_type = row["expected_start_time"], row["state_type"]
        if expected is None or state_type is None:
            continue
        index = int((expected - start).total_seconds() // width)
        if not 0 <= index < count:
            continue
        facts = out[(index, state_type, row["state_name"] or "")]
        facts[0] += 1
        facts[1] += max(
            0.0, run_facts.estimated_run_time(row["total_run_time"], StateType(state_type), row["state_timestamp"], now)
        )
        facts[2] += max(0.0, run_facts.lateness_seconds(expected, row["start_time"], StateType(state_type), now))
    return out


def _compare(got: list[Any], want: dict[tuple[int, str, str], list[float]]) -> None:
    found = {(c.bucket, c.state_type, c.state_name): c for c in got}
    assert set(found) == set(want)
    for key, (runs, run_time, lateness) in want.items():
        c = found[key]
        assert c.runs == runs, key
        assert c.run_time == pytest.approx(run_time, rel=1e-9, abs=1e-6), key
        assert c.lateness == pytest.approx(lateness, rel=1e-9, abs=1e-6), key


async def test_history_aggregated_in_sql_matches_a_run_by_run_computation(storage) -> None:
    rng = random.Random(1313)
    base = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    now = base + dt.timedelta(days=3, seconds=1234, microseconds=567890)
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="history"))
        common = {"created": base, "updated": base, "flow_id": flow.id, "parameters": {}, "context": {}}
        flow_rows = _seeded_rows(rng, base, 600, {**common, "empirical_policy": {}})
        await uow.conn.execute(sa.insert(tables.flow_run), flow_rows)
        task_common = {"created": base, "updated": base, "empirical_policy": {}, "task_inputs": {}}
        task_rows = [
            {**row, "flow_run_id": flow_rows[0]["id"], "task_key": "t", "dynamic_key": str(i)}
            for i, row in enumerate(_seeded_rows(rng, base, 300, task_common))
        ]
        await uow.conn.execute(sa.insert(tables.task_run), task_rows)

    async with storage.read() as uow:
        for start, width, count in (
            (base, 3600.0, 168),  # the dashboard's 7 days, hourly
            (base + dt.timedelta(seconds=0.25), 86400.0 / 7, 49),  # a fractional start and width
            (base - dt.timedelta(days=2), 86400.0 * 30, 1),  # one interval holding everything in it
        ):
            flows = await uow.flow_runs.history(Filters(), start, width, count, now)
            _compare(flows, _straightforward(flow_rows, start, width, count, now))
            tasks = await uow.task_runs.history(Filters(), start, width, count, now)
            _compare(tasks, _straightforward(task_rows, start, width, count, now))
        # Filters apply as in every run query.
        etl = Filters(flow_runs=FlowRunFilter.model_validate({"tags": {"all_": ["etl"]}}))
        got = await uow.flow_runs.history(etl, base, 3600.0, 168, now)
        _compare(got, _straightforward([r for r in flow_rows if "etl" in r["tags"]], base, 3600.0, 168, now))
        named = Filters(task_runs=TaskRunFilter.model_validate({"name": {"any_": ["run-5", "run-8"]}}))
        got = await uow.task_runs.history(named, base - dt.timedelta(days=2), 86400.0 * 30, 1, now)
        picked = [r for r in task_rows if r["name"] in ("run-5", "run-8")]
        _compare(got, _straightforward(picked, base - dt.timedelta(days=2), 86400.0 * 30, 1, now))
