"""End-to-end workloads run by the real Prefect client (prefect 3.8.8) against PREFECT_API_URL.

Run in a subprocess by bench/e2e.py: `python bench/e2e_flows.py tasks 200` or `... subflows 20`.
Prints one line `BENCH_E2E {json}` with the flow's wall time and the final state the server holds.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request

from prefect import flow, task
from prefect.client.orchestration import get_client


@task
def add_one(x: int) -> int:
    """A trivial task: the cost measured is orchestration, not work."""
    return x + 1


@flow(name="bench-many-tasks")
def many_tasks(n: int) -> int:
    """A flow calling `n` tasks one after another."""
    return sum(add_one(i) for i in range(n))


@flow(name="bench-child")
def child(i: int) -> int:
    """A trivial subflow."""
    return i


@flow(name="bench-many-subflows")
def many_subflows(n: int) -> int:
    """A flow calling `n` subflows one after another."""
    return sum(child(i) for i in range(n))


def count_task_runs(flow_run_id: str) -> int | None:
    """POST /task_runs/count for the flow run's task runs (None if the server can't answer)."""
    body = json.dumps({"flow_runs": {"id": {"any_": [flow_run_id]}}}).encode()
    req = urllib.request.Request(
        os.environ["PREFECT_API_URL"].rstrip("/") + "/task_runs/count",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(json.loads(resp.read()))
    except (urllib.error.URLError, ValueError, OSError):
        return None


def wait_for_task_runs(flow_run_id: str, expected: int, timeout: float = 30.0) -> tuple[int | None, float]:
    """Poll until the server shows `expected` task runs for the flow run; return (count, seconds).

    In Prefect 3 task runs reach the server as events over /events/in, recorded asynchronously,
    so they show up some time after the flow returned (subflows add one task run each in the parent).
    """
    t0 = time.perf_counter()
    count = count_task_runs(flow_run_id)
    while count is not None and count < expected and time.perf_counter() - t0 < timeout:
        time.sleep(0.1)
        count = count_task_runs(flow_run_id)
    return count, time.perf_counter() - t0


def main() -> None:
    """Run the workload named on the command line and print its BENCH_E2E line."""
    kind, n = sys.argv[1], int(sys.argv[2])
    fn = many_tasks if kind == "tasks" else many_subflows
    t0 = time.perf_counter()
    state = fn(n, return_state=True)
    wall = time.perf_counter() - t0
    run_id = state.state_details.flow_run_id
    assert run_id is not None, "a flow's final state names its run"
    with get_client(sync_client=True) as client:
        server_state = client.read_flow_run(run_id).state
    task_runs, waited = wait_for_task_runs(str(run_id), n)
    print(
        "BENCH_E2E "
        + json.dumps(
            {
                "kind": kind,
                "n": n,
                "flow_wall_s": round(wall, 3),
                "state": state.type.value,
                "server_state": server_state.type.value if server_state else None,
                "flow_run_id": str(run_id),
                "task_runs_on_server": task_runs,
                "task_runs_recorded_after_s": round(waited, 3),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
