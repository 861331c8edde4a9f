"""The `prefect` CLI commands people type every day, against our server: flows, flow runs and
task runs (ls / inspect / logs / delete), work pools and work queues (the whole lifecycle),
and `events emit` seen by `events stream`. Each must exit 0 and show what the server holds."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest

from tests.conformance.background import PREFECT_CLI, cli
from tests.conformance.support import Api, ClientRunner, eventually, unique_suffix

pytestmark = [pytest.mark.conformance, pytest.mark.one_backend]

FLOW = """
from prefect import flow, task, get_run_logger

@task(tags=["sweep"])
def add(x, y):
    get_run_logger().info("adding %s and %s", x, y)
    return x + y

@flow(name=sys.argv[2])
def sweep():
    get_run_logger().info("sweeping the CLI")
    return add(1, 2)

state = sweep(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), result=state.result())
"""


def _cli(prefect: ClientRunner, *args: str) -> str:
    return cli(list(args), {**prefect.env, "COLUMNS": "400"}, prefect.workdir).stdout


def _fails(prefect: ClientRunner, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**prefect.env, "COLUMNS": "400"}
    return subprocess.run(
        [PREFECT_CLI, *args], env=env, cwd=prefect.workdir, capture_output=True, text=True, timeout=90
    )


def test_flow_run_and_task_run_commands(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    flow_name = f"sweep-{suffix}"
    result = prefect.run(FLOW, args=[flow_name], suffix=suffix).result
    assert result["result"] == 3
    run_id = result["flow_run_id"]
    run = api.flow_run(run_id)

    assert flow_name in _cli(prefect, "flow", "ls")
    listed = _cli(prefect, "flow-run", "ls", "--flow-name", flow_name, "--output", "json")
    assert [r["id"] for r in json.loads(listed)] == [run_id]
    inspected = _cli(prefect, "flow-run", "inspect", run_id, "--output", "json")
    assert json.loads(inspected)["state"]["type"] == "COMPLETED"
    assert "sweeping the CLI" in _cli(prefect, "flow-run", "logs", run_id)
    first = _cli(prefect, "flow-run", "logs", run_id, "--head", "--num-logs", "1").strip().splitlines()
    assert len(first) == 1 and "Beginning flow run" in first[0]

    task_run = api.settled_task_runs(run_id, 1)[0]
    assert task_run["tags"] == ["sweep"]
    task_runs = json.loads(_cli(prefect, "task-run", "ls", "--output", "json", "--limit", "50"))
    assert task_run["id"] in [t["id"] for t in task_runs]
    assert (
        json.loads(_cli(prefect, "task-run", "inspect", task_run["id"], "--output", "json"))["name"] == task_run["name"]
    )
    assert "adding 1 and 2" in _cli(prefect, "task-run", "logs", task_run["id"])

    _cli(prefect, "flow-run", "delete", run_id)
    gone = _fails(prefect, "flow-run", "inspect", run_id)
    assert gone.returncode == 1 and "not found" in (gone.stdout + gone.stderr).lower()
    assert run["name"] not in _cli(prefect, "flow-run", "ls", "--flow-name", flow_name)


def test_work_pool_and_work_queue_lifecycle(prefect: ClientRunner, api: Api) -> None:
    pool, queue = f"pool-{unique_suffix()}", f"queue-{unique_suffix()}"
    _cli(prefect, "work-pool", "create", pool, "--type", "process")
    pool_id = api.get(f"/work_pools/{pool}")["id"]
    assert pool in _cli(prefect, "work-pool", "ls")
    template = json.loads(_cli(prefect, "work-pool", "get-default-base-job-template", "--type", "process"))
    assert "job_configuration" in template and "variables" in template
    _cli(prefect, "work-pool", "update", pool, "--description", "swept")
    _cli(prefect, "work-pool", "set-concurrency-limit", pool, "3")
    stored = api.get(f"/work_pools/{pool}")
    assert (stored["description"], stored["concurrency_limit"]) == ("swept", 3)
    assert "swept" in _cli(prefect, "work-pool", "inspect", pool)
    _cli(prefect, "work-pool", "clear-concurrency-limit", pool)
    _cli(prefect, "work-pool", "pause", pool)
    assert api.get(f"/work_pools/{pool}")["status"] == "PAUSED"
    _cli(prefect, "work-pool", "resume", pool)
    assert api.get(f"/work_pools/{pool}")["status"] == "NOT_READY"
    assert api.get(f"/work_pools/{pool}")["concurrency_limit"] is None
    _cli(prefect, "work-pool", "preview", pool, "--hours", "1")

    _cli(prefect, "work-queue", "create", queue, "--pool", pool, "--limit", "2")
    assert queue in _cli(prefect, "work-queue", "ls", "--pool", pool)
    assert api.get(f"/work_pools/{pool}/queues/{queue}")["concurrency_limit"] == 2
    _cli(prefect, "work-queue", "set-concurrency-limit", queue, "5", "--pool", pool)
    assert api.get(f"/work_pools/{pool}/queues/{queue}")["concurrency_limit"] == 5
    _cli(prefect, "work-queue", "clear-concurrency-limit", queue, "--pool", pool)
    _cli(prefect, "work-queue", "pause", queue, "--pool", pool)
    assert api.get(f"/work_pools/{pool}/queues/{queue}")["is_paused"] is True
    _cli(prefect, "work-queue", "resume", queue, "--pool", pool)
    assert api.get(f"/work_pools/{pool}/queues/{queue}")["is_paused"] is False
    assert queue in _cli(prefect, "work-queue", "inspect", queue, "--pool", pool)
    _cli(prefect, "work-queue", "preview", queue, "--pool", pool, "--hours", "1")
    _cli(prefect, "work-queue", "read-runs", queue, "--pool", pool)
    _cli(prefect, "work-queue", "delete", queue, "--pool", pool)
    assert queue not in [q["name"] for q in api.post(f"/work_pools/{pool}/queues/filter", {})]

    _cli(prefect, "work-pool", "delete", pool)
    assert pool not in [p["name"] for p in api.post("/work_pools/filter", {})]
    # The server stores its events in batches, a moment after the change: wait for the last.
    query = {"filter": {"resource": {"id": [f"prefect.work-pool.{pool_id}"]}, "order": "ASC"}, "limit": 50}
    names = eventually(
        lambda: [e["event"] for e in api.post("/events/filter", query)["events"]],
        lambda got: bool(got) and got[-1] == "prefect.work-pool.deleted",
    )
    assert names[0] == "prefect.work-pool.created" and names[-1] == "prefect.work-pool.deleted"
    assert {"prefect.work-pool.updated", "prefect.work-pool.paused"} <= set(names)


def _ours(lines: list[str], name: str) -> dict | None:
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # "Subscribing to event stream..." and the like
        if isinstance(event, dict) and event.get("event") == name:
            return event
    return None


def test_events_stream_sees_an_emitted_event(prefect: ClientRunner) -> None:
    name = f"sweep.cli.{unique_suffix()}"
    env = {**prefect.env, "COLUMNS": "400"}
    # Other events (the server's own) may come first, so the stream runs until ours shows up.
    # (stdout: the 3.8.8 client's --output-file fails with "coroutine ... never awaited".)
    stream = subprocess.Popen(
        [PREFECT_CLI, "events", "stream", "--format", "json"],
        env=env,
        cwd=prefect.workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(stream.stdout.readline, "")), daemon=True)
    reader.start()
    seen = None
    try:
        deadline = time.monotonic() + 60
        # The stream may connect after the first emit: emit until it has seen one.
        while seen is None and stream.poll() is None and time.monotonic() < deadline:
            _cli(prefect, "events", "emit", name, "--resource-id", "sweep.thing.1", "--payload", '{"n": 1}')
            time.sleep(1)
            seen = _ours(list(lines), name)
    finally:
        if stream.poll() is None:
            stream.kill()
        stream.wait(timeout=10)
        reader.join(timeout=10)
    assert seen is not None, "".join(lines)[-3000:]
    assert seen["resource"]["prefect.resource.id"] == "sweep.thing.1"
    assert seen["payload"] == {"n": 1}
