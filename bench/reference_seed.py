"""Seed the reference server's SQLite database directly with a `History` (its API is too slow).

The reference's create endpoint manages a few dozen runs a second and answers 503 under
concurrent seeders, so 100,000 runs cannot go through it. Instead:

1. through its API, while it runs: the flow, the history's first run with its task run, and
   its first event, so the reference itself writes one row of every kind (the templates);
2. once its event persister has written those events, the server is stopped (by its pid);
3. every other run, task run, state, event and event resource is written with plain SQL
   (stdlib `sqlite3`), each a copy of the reference's own row of its kind with the values of
   the history (`reference_rows`); the rows built for the first run are first compared with
   the reference's own, so a change of its schema fails loudly instead of seeding something else;
4. the server is started again, on the same port and database.

As its HTTP path would, each run gets its SCHEDULED state and the `prefect.flow-run.Scheduled`
event the reference emits on creation (our server emits the same event). Nothing of the
reference is imported: this runs in the harness' interpreter, on the database file only.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.history import FLOW_NAME, History, event_body, flow_run_body, task_run_body
from bench.prepare import new_session, request_json
from bench.reference_rows import Row, Templates, check_shapes, event_rows, fetch_rows, run_rows
from bench.servers import ServerProcess

#: Runs (with their states, task runs and events) and events written per transaction.
RUN_CHUNK = 2000
EVENT_CHUNK = 10000
#: How long the reference's event persister may take to write the first events (it flushes every few s).
PERSIST_TIMEOUT_S = 40.0
DB_URL_VAR = "PREFECT_SERVER_DATABASE_CONNECTION_URL"
#: Insert order (parents first, though the harness' connection enforces no foreign keys).
TABLES = ("flow_run", "flow_run_state", "task_run", "task_run_state", "events", "event_resources")


def database_path(server: ServerProcess) -> Path:
    """The reference's SQLite file, from the connection URL the harness gave it."""
    url = server.env.get(DB_URL_VAR, "")
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix):
        raise RuntimeError(f"the reference is not on a SQLite file ({DB_URL_VAR}={url!r})")
    return Path(url[len(prefix) :])


async def _first_through_api(base: str, history: History) -> dict[str, str]:
    """Create the flow, the first run, its task run and the first event through the API; their ids."""

    async def post(s: Any, path: str, body: object) -> Any:
        status, data = await request_json(s, "POST", base + path, body)
        if status not in (200, 201, 204):
            raise RuntimeError(f"reference POST {path} -> {status}: {data}")
        return data

    first = history.runs[0]
    async with new_session() as s:
        flow = await post(s, "/flows/", {"name": FLOW_NAME})
        run = await post(s, "/flow_runs/", flow_run_body(flow["id"], first))
        task = await post(s, "/task_runs/", task_run_body(run["id"], first))
        if history.events:
            await post(s, "/events", [event_body(history.events[0])])
    return {"flow": flow["id"], "run": run["id"], "state": run["state"]["id"], "task": task["id"],
            "task_state": task["state"]["id"]}  # fmt: skip


def _wait_persisted(path: Path, event_ids: Sequence[str], timeout: float) -> None:
    """Wait until the reference's event persister has written `event_ids`."""
    deadline = time.monotonic() + timeout
    marks = ",".join("?" * len(event_ids))
    while True:
        with closing(sqlite3.connect(path, timeout=10)) as conn:
            found = conn.execute(f"SELECT count(*) FROM events WHERE id IN ({marks})", list(event_ids)).fetchone()[0]
        if found == len(event_ids):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the reference did not persist its first events within {timeout:.0f} s")
        time.sleep(0.5)


def _one(conn: sqlite3.Connection, table: str, row_id: str) -> Row:
    found = fetch_rows(conn, f"SELECT * FROM {table} WHERE id = ?", row_id)
    if len(found) != 1:
        raise RuntimeError(f"the reference holds {len(found)} {table} rows with id {row_id}, expected one")
    return found[0]


def _templates(conn: sqlite3.Connection, ids: dict[str, str], history: History) -> Templates:
    return Templates(
        flow_run=_one(conn, "flow_run", ids["run"]),
        flow_run_state=_one(conn, "flow_run_state", ids["state"]),
        task_run=_one(conn, "task_run", ids["task"]),
        task_run_state=_one(conn, "task_run_state", ids["task_state"]),
        state_event=_one(conn, "events", ids["state"]),
        bench_event=_one(conn, "events", str(history.events[0].id)) if history.events else None,
    )


def _insert(conn: sqlite3.Connection, batch: dict[str, list[Row]]) -> None:
    """Write one batch in one transaction; column names come from the (checked) rows."""
    with conn:
        for table in TABLES:
            rows = batch.get(table)
            if rows:
                cols = list(rows[0])
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                conn.executemany(sql, [[r[c] for c in cols] for r in rows])


def write_history(
    conn: sqlite3.Connection, history: History, tpl: Templates, ids: dict[str, str], runs_until: float, until: float
) -> dict[str, Any]:
    """Write every run after the first (until `runs_until`) and every event after the first
    (until `until`, monotonic clock); return what the database then holds of the history."""
    made: dict[str, Any] = {"flow_runs": 1, "task_runs": 1, "events": 1 if history.events else 0}
    made["run_ids"] = [ids["run"]]
    runs = history.runs
    for start in range(1, len(runs), RUN_CHUNK):
        if time.monotonic() > runs_until:
            break
        batch: dict[str, list[Row]] = {t: [] for t in TABLES}
        at = datetime.now(UTC)
        for k, run in enumerate(runs[start : start + RUN_CHUNK]):
            run_ids = {"run": str(uuid.uuid4()), "state": str(uuid.uuid4())}
            if run.with_task_run:
                run_ids |= {"task": str(uuid.uuid4()), "task_state": str(uuid.uuid4())}
            # distinct, ordered times of writing, as one after another through the API
            when = at + timedelta(microseconds=2 * k)
            for table, rows in run_rows(tpl, run, run_ids, when, when + timedelta(microseconds=1)).items():
                batch[table] += rows
            if len(made["run_ids"]) < 10:
                made["run_ids"].append(run_ids["run"])
        _insert(conn, batch)
        made["flow_runs"] += len(batch["flow_run"])
        made["task_runs"] += len(batch["task_run"])
    if tpl.bench_event is not None:
        for start in range(1, len(history.events), EVENT_CHUNK):
            if time.monotonic() > until:
                break
            batch = {"events": [], "event_resources": []}
            at = datetime.now(UTC)
            for event in history.events[start : start + EVENT_CHUNK]:
                for table, rows in event_rows(tpl.bench_event, event, at).items():
                    batch[table] += rows
            _insert(conn, batch)
            made["events"] += len(batch["events"])
    return made


def seed(
    server: ServerProcess, history: History, budget_s: float, runs_share: float, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Seed the running reference `server` with `history` (see the module docstring): it is
    stopped for the writes and running again on return, also when seeding failed (which raises)."""
    if not history.runs or not history.runs[0].with_task_run:
        raise ValueError("the history must start with a run that has a task run (the templates)")
    started = time.monotonic()
    path = database_path(server)
    ids = asyncio.run(_first_through_api(server.base_url, history))
    wanted = [ids["state"]] + ([str(history.events[0].id)] if history.events else [])
    _wait_persisted(path, wanted, PERSIST_TIMEOUT_S)
    through_api_s = time.monotonic() - started
    rss_before = server.rss_mb()  # the restarted process' RSS starts again from its start-up
    server.stop()
    written_at = time.monotonic()
    try:
        with closing(sqlite3.connect(path, timeout=30)) as conn:
            # the server is stopped and this is the only writer: no fsync per transaction (about 40 %
            # less wall time here); a crash of the machine would lose the seeding, nothing else
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-65536")
            tpl = _templates(conn, ids, history)
            check_shapes(conn, tpl, history.runs[0], ids)
            made = write_history(conn, history, tpl, ids, started + budget_s * runs_share, started + budget_s - 30.0)
        written_s = time.monotonic() - written_at
    finally:
        log("     restarting the reference on the seeded database ...")
        restart_s = server.start()
    made |= {"api_s": round(through_api_s, 1), "write_s": round(written_s, 1), "restart_s": round(restart_s, 1)}
    made["rss_mb_before_restart"] = rss_before
    made["seeding_s"] = round(time.monotonic() - started, 1)
    made["method"] = "direct SQL"  # into its SQLite file; the first run, task run and event through its API
    return made
