"""The client's own read methods, called the way users call them (mostly default arguments:
the client then sends `"sort": null, "limit": null` in filter bodies)."""

from __future__ import annotations

import pytest

from tests.conformance.support import ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

READS = """
import time
from prefect import flow, task, get_client, get_run_logger
from prefect.client.schemas.filters import (
    FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId,
)

@task
def one():
    return 1

@flow(name=f"reads-{SUFFIX}")
def reads():
    get_run_logger().info("hello from reads")
    return one()

flow_run_id = reads(return_state=True).state_details.flow_run_id
outcome = {}

def call(name, fn):
    try:
        outcome[name] = fn()
    except Exception as exc:
        outcome[name] = f"ERROR {type(exc).__name__}: {str(exc)[:600]}"

with get_client(sync_client=True) as client:
    this_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # task runs arrive through events
        try:
            runs = client.read_task_runs(flow_run_filter=this_run)
        except Exception:
            break  # reported by the read_task_runs call below
        if runs and runs[0].state and runs[0].state.is_final():
            break
        time.sleep(0.2)
    call("read_flow_run", lambda: client.read_flow_run(flow_run_id).state.name)
    call("read_flow_by_name", lambda: client.read_flow_by_name(f"reads-{SUFFIX}").name)
    call("read_flows", lambda: [f.name for f in client.read_flows(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[f"reads-{SUFFIX}"])))])
    call("read_flow_runs", lambda: [r.state.name for r in client.read_flow_runs(flow_run_filter=this_run)])
    call("read_flow_run_states", lambda: [s.name for s in client.read_flow_run_states(flow_run_id)])
    call("read_task_runs", lambda: [r.state.name for r in client.read_task_runs(flow_run_filter=this_run)])
    call("read_task_run_states", lambda: [
        s.name for s in client.read_task_run_states(client.read_task_runs(flow_run_filter=this_run)[0].id)])
    call("read_logs", lambda: [l.message for l in client.read_logs(
        log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))])
report(**outcome)
"""


def test_client_read_methods(prefect: ClientRunner) -> None:
    suffix = unique_suffix()
    got = prefect.run(READS, suffix=suffix).result
    errors = {name: value for name, value in got.items() if isinstance(value, str) and value.startswith("ERROR")}
    if errors:
        pytest.fail("client read methods failed:\n" + "\n".join(f"{k}: {v}" for k, v in errors.items()))
    assert got["read_flow_run"] == "Completed"
    assert got["read_flow_by_name"] == got["read_flows"][0] == f"reads-{suffix}"
    assert got["read_flow_runs"] == ["Completed"]
    assert got["read_flow_run_states"] == ["Pending", "Running", "Completed"]
    assert got["read_task_runs"] == ["Completed"]
    assert got["read_task_run_states"] == ["Pending", "Running", "Completed"]
    assert "hello from reads" in got["read_logs"]
