"""The heavy reads of a dashboard (run history, counts by state, sorted and deep pages, the
UI's points, events over a day) are answered from indexes on both backends: a selective
time window is searched through its index, a sort reads an index in order. The statements
checked are the ones the repositories send, explained by the database after ANALYZE.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.event_filters import EventFilter
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.sorting import FlowRunSort
from prefect_storage_sql import tables
from tests.storage.test_resource_query_plans import captured

pytestmark = pytest.mark.timeout(240)

RUNS = 30_000
EVENTS = 30_000
BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAYS = 30
PAGE = 50


async def _fill(storage: Any) -> None:
    states = ("PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CRASHED", "PAUSED")
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="heavy"))
        runs, tasks, events = [], [], []
        for i in range(RUNS):
            at = BASE + dt.timedelta(seconds=i * DAYS * 86400 / RUNS)
            state = states[i % len(states)] if i % 50 else "SCHEDULED"  # a selective state: 2 %
            common = {"created": at, "updated": at, "empirical_policy": {}, "tags": [], "name": f"run-{i}"}
            common |= {"state_type": state, "state_name": state.title(), "state_timestamp": at}
            common |= {"expected_start_time": at, "start_time": at, "total_run_time": 1.0}
            runs.append({**common, "id": uuid.uuid4(), "flow_id": flow.id, "parameters": {}, "context": {}})
            if i % 3 == 0:
                tasks.append({**common, "id": uuid.uuid4(), "task_key": "t", "dynamic_key": str(i), "task_inputs": {}})
        for i in range(EVENTS):
            at = BASE + dt.timedelta(seconds=i * DAYS * 86400 / EVENTS)
            events.append(
                {
                    "id": uuid.uuid4(),
                    "occurred": at,
                    "received": at,
                    "event": f"heavy.event.{i % 20}",
                    "resource_id": f"heavy.resource.{i % 500}",
                    "resource": {"prefect.resource.id": f"heavy.resource.{i % 500}"},
                    "related": [],
                    "related_resource_ids": "",
                    "payload": {},
                }
            )
        for table, rows in ((tables.flow_run, runs), (tables.task_run, tasks), (tables.events, events)):
            for n in range(0, len(rows), 5000):
                await uow.conn.execute(sa.insert(table), rows[n : n + 5000])
    async with storage.write() as uow:
        await uow.conn.run_sync(lambda c: c.exec_driver_sql("ANALYZE"))


async def _plan(storage: Any, backend: str, statement: str, parameters: Any) -> list[str]:
    """The database's plan for one captured statement, one line per step."""
    if backend == "sqlite":
        async with storage.read() as uow:
            rows = await uow.conn.run_sync(
                lambda c: c.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            )
        return [row[-1] for row in rows]
    async with storage.read() as uow:
        rows = await uow.conn.run_sync(lambda c: c.exec_driver_sql("EXPLAIN " + statement, parameters).fetchall())
    return [row[0].strip().lstrip("-> ").strip() for row in rows]


#: The widest rows a page's id query may sort (its sort keys and the id, not whole runs).
_KEYS_WIDTH = 64


def _problems(plan: list[str], backend: str, table: str, *, window: bool, sort: bool) -> list[str]:
    """What reads all of `table` (a selective window must not) or sorts every row (an ordered page
    must not; a selective window may sort the few rows its index found).

    An ordered page takes its ids first (a "deferred join"): only those ids' rows are read,
    and only they may be sorted whole. So on SQLite the ids come from a covering index and
    a sort of whole rows is allowed where the rows are read by id; on PostgreSQL a sort is
    allowed of the page's rows, or of the keys and ids alone."""
    found = []
    if backend == "sqlite":
        by_id = any(line.startswith(f"SEARCH {table} USING INDEX") and "(id=?)" in line for line in plan)
        if sort and not any(line.startswith(f"SCAN {table} USING COVERING INDEX") for line in plan):
            found.append("the page's ids do not come from an index alone")
    for line in plan:
        if backend == "sqlite":
            if window and line.startswith(f"SCAN {table}") and "INDEX" not in line:
                found.append(f"full scan of {table}")
            if sort and line.startswith("USE TEMP B-TREE FOR ORDER BY") and not by_id:
                found.append("sorts every matching row")
        else:
            node = line.split("  (", 1)[0]  # "Seq Scan on flow_run  (cost=...)" -> the node
            if window and node == f"Seq Scan on {table}":
                found.append(f"sequential scan of {table}")
            if sort and node == "Sort":  # an Incremental Sort (ties of an index's order) is bounded
                estimate = dict(kv.split("=") for kv in line.split("(", 1)[1].rstrip(")").split()[1:])
                if int(estimate["rows"]) > PAGE and int(estimate["width"]) > _KEYS_WIDTH:
                    found.append("sorts every row")
    return found


async def test_dashboard_heavy_reads_use_indexes(storage, backend) -> None:
    await _fill(storage)
    day = (BASE + dt.timedelta(days=20), BASE + dt.timedelta(days=21))
    now = BASE + dt.timedelta(days=DAYS)
    by_state = RunFilterBody.model_validate({"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}})
    last_day = (now - dt.timedelta(days=1)).isoformat()
    recent = RunFilterBody.model_validate({"flow_runs": {"expected_start_time": {"after_": last_day}}})
    events_day = EventFilter.model_validate({"occurred": {"since": day[0].isoformat(), "until": day[1].isoformat()}})
    cases: list[tuple[str, str, bool, bool, Any]] = [
        # (label, table, a selective window, an ordered page, the call)
        (
            "flow-run history, a day hourly",
            "flow_run",
            True,
            False,
            lambda u: u.flow_runs.history(RunFilterBody(), day[0], 3600.0, 24, now),
        ),
        (
            "task-run history, a day hourly",
            "task_run",
            True,
            False,
            lambda u: u.task_runs.history(RunFilterBody(), day[0], 3600.0, 24, now),
        ),
        ("count by state", "flow_run", True, False, lambda u: u.flow_runs.count(by_state)),
        (
            "deep page by expected start",
            "flow_run",
            False,
            True,
            lambda u: u.flow_runs.filter(RunFilterBody(), FlowRunSort.EXPECTED_START_TIME_DESC, RUNS - 100, PAGE),
        ),
        (
            "UI points of the last day",
            "flow_run",
            True,
            False,  # the few rows the window's index finds may be sorted
            lambda u: u.ui_queries.flow_run_points(recent, FlowRunSort.EXPECTED_START_TIME_DESC, 0, 100),
        ),
        ("events over a day", "events", True, False, lambda u: u.events.filter(events_day, limit=50)),
        ("events counted over a day", "events", True, False, lambda u: u.events.count(events_day)),
        ("events by name over a day", "events", True, False, lambda u: u.events.count_by(events_day, "event")),
    ]
    problems = []
    for label, table, window, sort, call in cases:
        with captured(storage) as seen:
            async with storage.read() as uow:
                await call(uow)
        selects = [(s, p) for s, p in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        assert selects, label
        for statement, parameters in selects:
            plan = await _plan(storage, backend, statement, parameters)
            for why in _problems(plan, backend, table, window=window, sort=sort):
                problems.append(f"{label}: {why}\n    " + "\n    ".join(plan))
    assert not problems, "\n".join(problems)
