"""Flow runs that do not simply complete: a flow that retries, and one that fails."""

from __future__ import annotations

import pytest

from tests.conformance.support import Api, ClientRunner, eventually, types, unique_suffix

pytestmark = pytest.mark.conformance

RETRYING_FLOW = """
from prefect import flow

ATTEMPTS = []

@flow(name=f"retried-{SUFFIX}", retries=1, retry_delay_seconds=0)
def retried():
    ATTEMPTS.append(1)
    if len(ATTEMPTS) == 1:
        raise RuntimeError("first flow attempt fails")
    return "second attempt"

state = retried(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, result=state.result(),
       attempts=len(ATTEMPTS))
"""

FAILING_FLOW = """
from prefect import flow, get_run_logger

@flow(name=f"failing-{SUFFIX}")
def failing():
    get_run_logger().info("about to fail")
    raise ValueError("boom from the flow")

failing()
"""


def test_flow_retry(prefect: ClientRunner, api: Api) -> None:
    run = prefect.run(RETRYING_FLOW).result
    assert (run["state"], run["result"], run["attempts"]) == ("COMPLETED", "second attempt", 2)

    flow_run = api.flow_run(run["flow_run_id"])
    assert (flow_run["state_type"], flow_run["state_name"]) == ("COMPLETED", "Completed")
    assert flow_run["run_count"] == 2
    assert flow_run["empirical_policy"]["retries"] == 1
    # The client proposes FAILED; the server's retry rule answers with AwaitingRetry.
    assert flow_run["empirical_policy"]["retry_type"] == "in_process"
    states = api.flow_run_states(run["flow_run_id"])
    assert [(s["type"], s["name"]) for s in states] == [
        ("PENDING", "Pending"),
        ("RUNNING", "Running"),
        ("SCHEDULED", "AwaitingRetry"),
        ("RUNNING", "Running"),
        ("COMPLETED", "Completed"),
    ]
    assert "first flow attempt fails" in states[2]["message"]
    assert states[2]["state_details"]["scheduled_time"]


def test_failing_flow(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    done = prefect.run(FAILING_FLOW, expect_ok=False, suffix=suffix)
    assert done.returncode != 0 and "boom from the flow" in done.stderr, done.describe()

    runs = api.flow_runs_of_flow(f"failing-{suffix}")
    assert len(runs) == 1, runs
    flow_run = runs[0]
    assert (flow_run["state_type"], flow_run["state_name"]) == ("FAILED", "Failed")
    assert flow_run["run_count"] == 1 and flow_run["end_time"]
    message = flow_run["state"]["message"]
    assert "Flow run encountered an exception" in message and "boom from the flow" in message
    states = api.flow_run_states(flow_run["id"])
    assert types(states) == ["PENDING", "RUNNING", "FAILED"]
    assert states[-1]["message"] == message

    logs = eventually(lambda: api.logs(flow_run["id"]), lambda ls: any(l["level"] == 40 for l in ls))
    assert "about to fail" in [l["message"] for l in logs]
    errors = [l for l in logs if l["level"] == 40]
    assert errors and "boom from the flow" in errors[0]["message"]
