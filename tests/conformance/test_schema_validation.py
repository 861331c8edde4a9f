"""Values checked against JSON schemas as the reference checks them, through the real client:
a deployment's parameters (`enforce_parameter_schema`, on by default for `serve()`,
`to_deployment()` and `deploy()`) and a paused run's input (`wait_for_input`)."""

from __future__ import annotations

import subprocess

import pytest

from tests.conformance.background import PREFECT_CLI
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

REGISTER_AND_RUN = """
from prefect import flow
from prefect.deployments import run_deployment

@flow(name=f"typed-{SUFFIX}")
def typed(x: int, label: str = "a"):
    return x

# what serve() registers: to_deployment() with its defaults (enforce_parameter_schema=True)
deployment_id = typed.to_deployment(name="s").apply()
try:
    run_deployment(f"typed-{SUFFIX}/s", parameters={"x": "abc"}, timeout=0)
    refused = None
except Exception as exc:
    refused = f"{type(exc).__name__}: {exc}"
good = run_deployment(f"typed-{SUFFIX}/s", parameters={"x": 3}, timeout=0)
report(deployment_id=str(deployment_id), refused=refused, good=str(good.id), parameters=good.parameters)
"""


def test_bad_deployment_parameters_are_refused(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    out = prefect.run(REGISTER_AND_RUN, suffix=suffix).result
    deployment = api.get(f"/deployments/{out['deployment_id']}")
    assert deployment["enforce_parameter_schema"] is True
    assert deployment["parameter_openapi_schema"]["properties"]["x"]["type"] == "integer"
    assert out["refused"] is not None and "409" in out["refused"], out
    assert "Validation failed for field 'x'. Failure reason: 'abc' is not of type 'integer'" in out["refused"]
    assert out["parameters"] == {"x": 3}

    cli = subprocess.run(
        [PREFECT_CLI, "deployment", "run", f"typed-{suffix}/s", "--param", "x=abc"],
        env=prefect.env,
        cwd=prefect.workdir,
        capture_output=True,
        text=True,
        timeout=90,
    )
    output = cli.stdout + cli.stderr
    assert cli.returncode != 0, output
    assert "is not of type 'integer'" in output, output
    runs = api.post("/flow_runs/filter", {"deployments": {"id": {"any_": [out["deployment_id"]]}}})
    assert [r["parameters"] for r in runs] == [{"x": 3}]


PAUSED_FOR_INPUT = """
import threading, time
from prefect import flow, pause_flow_run
from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from prefect.flow_runs import resume_flow_run

RUN_ID = []
SEEN = {}

def resume_badly_then_well():
    while not RUN_ID:
        time.sleep(0.1)
    with get_client(sync_client=True) as client:
        for _ in range(300):
            if client.read_flow_run(RUN_ID[-1]).state.is_paused():
                break
            time.sleep(0.1)
        for name, value in (("wrong", {"value": "not a number"}), ("missing", {})):
            try:
                resume_flow_run(RUN_ID[-1], run_input=value)
                SEEN[name] = "accepted"
            except RuntimeError as exc:
                SEEN[name] = str(exc)
            SEEN[name + "_state"] = client.read_flow_run(RUN_ID[-1]).state.type.value
    resume_flow_run(RUN_ID[-1], run_input={"value": 21})

@flow(name=f"asks-{SUFFIX}")
def asks():
    RUN_ID.append(get_run_context().flow_run.id)
    number = pause_flow_run(wait_for_input=int, timeout=90)
    return number * 2

threading.Thread(target=resume_badly_then_well, daemon=True).start()
state = asks(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, result=state.result(), seen=SEEN)
"""


def test_a_wrong_run_input_leaves_the_run_paused(prefect: ClientRunner, api: Api) -> None:
    run = prefect.run(PAUSED_FOR_INPUT).result
    seen = run["seen"]
    assert seen["wrong"].startswith("Cannot resume this run: Reason: Validation failed for field 'value'."), seen
    assert "is not of type 'integer'" in seen["wrong"]
    assert seen["missing"] == (
        "Cannot resume this run: Reason: Validation failed. Failure reason: 'value' is a required property"
    ), seen
    assert seen["wrong_state"] == seen["missing_state"] == "PAUSED"
    assert (run["state"], run["result"]) == ("COMPLETED", 42)
    found = api.post(f"/flow_runs/{run['flow_run_id']}/input/filter", {"prefix": "paused-", "limit": 10})
    assert [i["value"] for i in found if i["key"].endswith("-response")] == ['{"value":21}']
