"""The responsiveness phase's data (bench/history.py) and the reference's rows built from it
(bench/reference_rows.py): drawn once, the same for the HTTP path and the direct one."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bench.history import (
    EVENT_WINDOW,
    RUN_WINDOW,
    TAGS,
    event_body,
    flow_run_body,
    generate_history,
    task_run_body,
)
from bench.reference_rows import Templates, check_shapes, db_time, event_rows, json_time, parse_db_time, run_rows

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FLOW_ID = "00000000-0000-4000-8000-00000000f10e"


def test_the_history_is_a_pure_function_of_its_arguments() -> None:
    first, again = generate_history(300, 150, NOW), generate_history(300, 150, NOW)
    assert first == again
    assert generate_history(300, 150, NOW, seed=14) != first
    # the same draws relative to another `now`: every time moves with it, nothing else changes
    later = generate_history(300, 150, NOW + timedelta(hours=1))
    assert [r.scheduled_time - timedelta(hours=1) for r in later.runs] == [r.scheduled_time for r in first.runs]
    assert [(r.name, r.tags) for r in later.runs] == [(r.name, r.tags) for r in first.runs]


def test_the_history_holds_what_the_phase_promises() -> None:
    history = generate_history(1000, 500, NOW)
    assert [r.name for r in history.runs] == [f"bench-{i}" for i in range(1000)]
    assert history.task_runs == 100 and all(r.with_task_run == (r.index % 10 == 0) for r in history.runs)
    assert all(len(set(r.tags)) == 2 and set(r.tags) <= set(TAGS) for r in history.runs)
    assert len({r.tags for r in history.runs}) > 10  # tags vary
    assert all(NOW - RUN_WINDOW <= r.scheduled_time <= NOW for r in history.runs)
    assert len(history.events) == 500 and len({e.id for e in history.events}) == 500
    # time-ordered ids, as the client's events carry, stamped with their own time
    assert all(e.id.version == 7 and e.id.int >> 80 == int(e.occurred.timestamp() * 1000) for e in history.events)
    assert all(NOW - EVENT_WINDOW <= e.occurred <= NOW for e in history.events)
    with pytest.raises(ValueError):
        generate_history(1, 1, datetime(2026, 12, 1))


def _templates() -> Templates:
    """Rows shaped as the reference stores them (a subset of columns, values written here)."""
    state_details = {"flow_run_id": "x", "task_run_id": None, "scheduled_time": "x", "deferred": False}
    flow_ref = {"prefect.resource.id": f"prefect.flow.{FLOW_ID}", "prefect.resource.role": "flow"}
    resource = {"prefect.resource.id": "x", "prefect.resource.name": "x", "prefect.state-name": "Scheduled"}
    return Templates(
        flow_run={"id": "x", "created": "c", "updated": "u", "name": "x", "tags": "[]", "flow_id": FLOW_ID,
                  "expected_start_time": "x", "next_scheduled_start_time": "x", "state_id": "x",
                  "state_type": "SCHEDULED", "state_name": "Late", "state_timestamp": "x", "run_count": 0},
        flow_run_state={"id": "x", "created": "c", "updated": "u", "type": "SCHEDULED", "name": "Scheduled",
                        "timestamp": "x", "flow_run_id": "x", "state_details": json.dumps(state_details)},
        task_run={"id": "x", "created": "c", "updated": "u", "name": "x", "task_key": "t", "dynamic_key": "x",
                  "expected_start_time": "x", "flow_run_id": "x", "state_id": "x", "state_timestamp": "x",
                  "labels": json.dumps({"prefect.flow.id": FLOW_ID, "prefect.flow-run.id": "x"})},
        task_run_state={"id": "x", "created": "c", "updated": "u", "type": "PENDING", "name": "Pending",
                        "timestamp": "x", "task_run_id": "x", "state_details": json.dumps(state_details)},
        state_event={"occurred": "x", "event": "prefect.flow-run.Scheduled", "resource_id": "x",
                     "resource": json.dumps(resource), "related_resource_ids": "[]",
                     "related": json.dumps([flow_ref, {"prefect.resource.id": "prefect.tag.old",
                                                       "prefect.resource.role": "tag"}]),
                     "payload": "{}", "received": "x", "recorded": "x", "follows": None, "id": "x",
                     "created": "c", "updated": "u"},
        bench_event={"occurred": "x", "event": "x", "resource_id": "x", "resource": "{}", "related_resource_ids": "[]",
                     "related": "[]", "payload": "{}", "received": "x", "recorded": "x", "follows": None, "id": "x",
                     "created": "c", "updated": "u"},
    )  # fmt: skip


def _ids(n: int) -> dict[str, str]:
    return {k: str(uuid.UUID(int=n * 10 + i, version=4)) for i, k in enumerate(("run", "state", "task", "task_state"))}


def test_the_direct_rows_carry_the_same_values_as_the_http_bodies() -> None:
    history = generate_history(30, 5, NOW)
    tpl = _templates()
    for run in history.runs:
        ids = _ids(run.index)
        rows = run_rows(tpl, run, ids, NOW, NOW + timedelta(microseconds=1))
        body = flow_run_body(FLOW_ID, run)
        (flow_run,), (state,) = rows["flow_run"], rows["flow_run_state"]
        assert flow_run["name"] == body["name"] and json.loads(flow_run["tags"]) == body["tags"]
        scheduled = datetime.fromisoformat(body["state"]["state_details"]["scheduled_time"])
        assert parse_db_time(flow_run["expected_start_time"]) == scheduled == run.scheduled_time
        assert flow_run["next_scheduled_start_time"] == flow_run["expected_start_time"]
        assert (flow_run["state_id"], flow_run["state_type"], flow_run["state_name"]) == (
            ids["state"],
            "SCHEDULED",
            "Scheduled",
        )
        assert flow_run["flow_id"] == FLOW_ID and flow_run["run_count"] == 0  # copied from the template
        details = json.loads(state["state_details"])
        assert details["flow_run_id"] == ids["run"] and details["scheduled_time"] == json_time(scheduled)
        assert details["deferred"] is False  # the template's other details stay
        (state_event,) = rows["events"]
        assert state_event["id"] == ids["state"] and state_event["resource_id"] == f"prefect.flow-run.{ids['run']}"
        related = [r["prefect.resource.id"] for r in json.loads(state_event["related"])]
        assert related == [f"prefect.flow.{FLOW_ID}", *(f"prefect.tag.{t}" for t in sorted(run.tags))]
        assert json.loads(state_event["related_resource_ids"]) == related
        assert [r["resource_role"] for r in rows["event_resources"]] == ["", "flow", "tag", "tag"]
        if run.with_task_run:
            (task,) = rows["task_run"]
            task_body = task_run_body(ids["run"], run)
            assert (task["name"], task["dynamic_key"], task["flow_run_id"]) == (
                task_body["name"],
                task_body["dynamic_key"],
                ids["run"],
            )
            assert json.loads(task["labels"])["prefect.flow-run.id"] == ids["run"]
        else:
            assert rows["task_run"] == [] and rows["task_run_state"] == []
    for event in history.events:
        made = event_rows(tpl.bench_event or {}, event, NOW)
        body = event_body(event)
        (row,) = made["events"]
        assert (row["id"], row["event"], row["resource_id"]) == (body["id"], body["event"], event.resource_id)
        assert parse_db_time(row["occurred"]) == datetime.fromisoformat(body["occurred"])
        assert [r["resource_id"] for r in made["event_resources"]] == [event.resource_id]


def _database_with(rows: dict[str, list[dict[str, object]]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for table, found in rows.items():
        cols = list(found[0]) if found else ["id"]
        conn.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
        for r in found:
            conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", [r[c] for c in cols])
    return conn


def test_the_shape_check_accepts_the_reference_rows_and_fails_on_any_change() -> None:
    first = generate_history(1, 0, NOW).runs[0]
    ids = _ids(0)
    at = NOW - timedelta(seconds=3)
    blank = _templates()
    written = run_rows(blank, first, ids, at, at + timedelta(microseconds=5))
    # the templates as the reference would have them: its rows for the first run
    tpl = Templates(
        flow_run=written["flow_run"][0],
        flow_run_state=written["flow_run_state"][0],
        task_run=written["task_run"][0],
        task_run_state=written["task_run_state"][0],
        state_event=written["events"][0],
        bench_event=None,
    )
    check_shapes(_database_with(written), tpl, first, ids)  # passes

    # a value the seeder computes and the reference stored otherwise (here: its time format)
    details = json.loads(tpl.flow_run_state["state_details"])
    details["scheduled_time"] = first.scheduled_time.isoformat()
    changed = dict(tpl.flow_run_state, state_details=json.dumps(details))
    with pytest.raises(RuntimeError, match="flow_run_state row differs"):
        check_shapes(_database_with(written), Templates(**{**tpl.__dict__, "flow_run_state": changed}), first, ids)
    resource = {**json.loads(tpl.state_event["resource"]), "prefect.resource.name": "another"}
    changed = dict(tpl.state_event, resource=json.dumps(resource))
    with pytest.raises(RuntimeError, match="events row differs"):
        check_shapes(_database_with(written), Templates(**{**tpl.__dict__, "state_event": changed}), first, ids)

    conn = _database_with(written)
    conn.execute("ALTER TABLE flow_run ADD COLUMN new_column")
    with pytest.raises(RuntimeError, match="flow_run columns changed"):
        check_shapes(conn, tpl, first, ids)

    fewer = {**written, "event_resources": written["event_resources"][:-1]}
    with pytest.raises(RuntimeError, match="event_resources"):
        check_shapes(_database_with(fewer), tpl, first, ids)
    assert db_time(at) == tpl.flow_run_state["timestamp"]
