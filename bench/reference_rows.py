"""The rows the reference server would store for a `History`, built from its own rows.

`reference_seed` has the reference write one row of every kind through its API (the
templates); each further row here is a copy of its template with only the values that
differ per row replaced (ids, names, tags, times), so every column holds what the
reference itself stores. `check_shapes` compares the rows built for the first run with the
reference's own, so a change of the reference's schema or shapes fails loudly.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.history import HistoryEvent, HistoryRun

Row = dict[str, Any]


def db_time(at: datetime) -> str:
    """A datetime as the reference stores it in SQLite (naive UTC, microseconds)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def json_time(at: datetime) -> str:
    """A datetime as the reference writes it inside JSON state details."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Templates:
    """The reference's own rows for the first run, its task run and the first events."""

    flow_run: Row
    flow_run_state: Row
    task_run: Row
    task_run_state: Row
    state_event: Row
    bench_event: Row | None


def _dumps(value: object) -> str:
    return json.dumps(value)


def _event_resources(event_id: str, occurred: str, resource: Row, related: list[Row], at: str) -> list[Row]:
    """The `event_resources` rows of one event: the resource (role "") then each related one,
    each without its id and role (the columns hold those)."""
    rows = []
    for role, res in [("", resource), *((r.get("prefect.resource.role", ""), r) for r in related)]:
        rest = {k: v for k, v in res.items() if k not in ("prefect.resource.id", "prefect.resource.role")}
        rows.append(
            {
                "occurred": occurred,
                "resource_id": res["prefect.resource.id"],
                "resource_role": role,
                "resource": _dumps(rest),
                "event_id": event_id,
                "id": str(uuid.uuid4()),
                "created": at,
                "updated": at,
            }
        )
    return rows


def run_rows(
    tpl: Templates, run: HistoryRun, ids: dict[str, str], at: datetime, task_at: datetime
) -> dict[str, list[Row]]:
    """The rows of one run (flow_run, its state, its state event and its resources, its task run and
    state when it has one): copies of the templates with this run's values. `ids` holds `run`,
    `state` and, with a task run, `task` and `task_state`."""
    stamp, scheduled = db_time(at), db_time(run.scheduled_time)
    flow_run = {
        **tpl.flow_run,
        "id": ids["run"],
        "created": stamp,
        "updated": stamp,
        "name": run.name,
        "tags": _dumps(list(run.tags)),
        "expected_start_time": scheduled,
        "next_scheduled_start_time": scheduled,
        "state_id": ids["state"],
        "state_type": tpl.flow_run_state["type"],
        "state_name": tpl.flow_run_state["name"],
        "state_timestamp": stamp,
    }
    details = {**json.loads(tpl.flow_run_state["state_details"]), "flow_run_id": ids["run"]}
    details["scheduled_time"] = json_time(run.scheduled_time)
    state = {
        **tpl.flow_run_state,
        "id": ids["state"],
        "created": stamp,
        "updated": stamp,
        "timestamp": stamp,
        "flow_run_id": ids["run"],
        "state_details": _dumps(details),
    }
    resource = {
        **json.loads(tpl.state_event["resource"]),
        "prefect.resource.id": f"prefect.flow-run.{ids['run']}",
        "prefect.resource.name": run.name,
        "prefect.state-timestamp": at.astimezone(UTC).isoformat(),
    }
    kept = [r for r in json.loads(tpl.state_event["related"]) if r.get("prefect.resource.role") != "tag"]
    tags = [{"prefect.resource.id": f"prefect.tag.{t}", "prefect.resource.role": "tag"} for t in sorted(run.tags)]
    related = kept + tags
    event = {
        **tpl.state_event,
        "occurred": stamp,
        "resource_id": resource["prefect.resource.id"],
        "resource": _dumps(resource),
        "related_resource_ids": _dumps([r["prefect.resource.id"] for r in related]),
        "related": _dumps(related),
        "received": stamp,
        "recorded": stamp,
        "id": ids["state"],
        "created": stamp,
        "updated": stamp,
    }
    out = {
        "flow_run": [flow_run],
        "flow_run_state": [state],
        "events": [event],
        "event_resources": _event_resources(ids["state"], stamp, resource, related, stamp),
        "task_run": [],
        "task_run_state": [],
    }
    if run.with_task_run:
        out["task_run"], out["task_run_state"] = _task_rows(tpl, run, ids, db_time(task_at))
    return out


def _task_rows(tpl: Templates, run: HistoryRun, ids: dict[str, str], stamp: str) -> tuple[list[Row], list[Row]]:
    labels = {**json.loads(tpl.task_run["labels"] or "{}"), "prefect.flow-run.id": ids["run"]}
    task = {
        **tpl.task_run,
        "id": ids["task"],
        "created": stamp,
        "updated": stamp,
        "name": run.task_name,
        "dynamic_key": str(run.index),
        "expected_start_time": stamp,
        "flow_run_id": ids["run"],
        "state_id": ids["task_state"],
        "state_timestamp": stamp,
        "labels": _dumps(labels),
    }
    details = {**json.loads(tpl.task_run_state["state_details"]), "flow_run_id": ids["run"], "task_run_id": ids["task"]}
    state = {
        **tpl.task_run_state,
        "id": ids["task_state"],
        "created": stamp,
        "updated": stamp,
        "timestamp": stamp,
        "task_run_id": ids["task"],
        "state_details": _dumps(details),
    }
    return [task], [state]


def event_rows(tpl: Row, event: HistoryEvent, at: datetime) -> dict[str, list[Row]]:
    """The `events` row of one seeded event and its `event_resources` row."""
    stamp, occurred = db_time(at), db_time(event.occurred)
    resource = {"prefect.resource.id": event.resource_id}
    row = {
        **tpl,
        "occurred": occurred,
        "event": event.event,
        "resource_id": event.resource_id,
        "resource": _dumps(resource),
        "related_resource_ids": "[]",
        "related": "[]",
        "received": stamp,
        "recorded": stamp,
        "id": str(event.id),
        "created": stamp,
        "updated": stamp,
    }
    return {"events": [row], "event_resources": _event_resources(str(event.id), occurred, resource, [], stamp)}


#: Columns that may differ between a row built here and the reference's own (times of writing,
#: surrogate ids, and the first run's state once the reference's late-runs service moved it on).
VOLATILE = {
    "created",
    "updated",
    "received",
    "recorded",
    "state_id",
    "state_name",
    "state_timestamp",
    "state_type",
}


def check_shapes(conn: sqlite3.Connection, tpl: Templates, first: HistoryRun, ids: dict[str, str]) -> None:
    """Raise when the rows built for `first` (with its ids and times) differ from the
    reference's own rows for it, or a table gained or lost a column."""
    state_at = parse_db_time(tpl.flow_run_state["timestamp"])
    task_at = parse_db_time(tpl.task_run_state["timestamp"]) if first.with_task_run else state_at
    built = run_rows(tpl, first, ids, state_at, task_at)
    actual = {
        "flow_run": [tpl.flow_run],
        "flow_run_state": [tpl.flow_run_state],
        "events": [tpl.state_event],
        "task_run": [tpl.task_run] if first.with_task_run else [],
        "task_run_state": [tpl.task_run_state] if first.with_task_run else [],
        "event_resources": fetch_rows(conn, "SELECT * FROM event_resources WHERE event_id = ?", ids["state"]),
    }
    for table, mine in built.items():
        columns = {c[1] for c in conn.execute(f"PRAGMA table_info({table})")}
        theirs = actual[table]
        ignore = set(VOLATILE)
        if table == "event_resources":  # their order and surrogate ids are the writer's
            key = lambda r: (r["resource_role"], r["resource_id"])  # noqa: E731
            mine, theirs, ignore = sorted(mine, key=key), sorted(theirs, key=key), ignore | {"id"}
        if len(mine) != len(theirs):
            raise RuntimeError(
                f"reference {table}: {len(theirs)} rows for the first run, the seeder builds {len(mine)}"
            )
        for a, b in zip(mine, theirs, strict=True):
            if set(a) != columns:
                raise RuntimeError(f"reference {table} columns changed: {sorted(columns ^ set(a))}")
            diff = {k: (a[k], b[k]) for k in columns - ignore if a[k] != b[k]}
            if diff:
                raise RuntimeError(f"reference {table} row differs from the seeder's: {diff}")


def parse_db_time(text: str) -> datetime:
    """The inverse of `db_time`."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


def fetch_rows(conn: sqlite3.Connection, sql: str, *args: object) -> list[Row]:
    """The rows of a query as dicts."""
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
