"""A flow that pauses for input, resumed by another client with that input."""

from __future__ import annotations

import pytest

from tests.conformance.support import Api, ClientRunner

pytestmark = pytest.mark.conformance

PAUSED_FOR_INPUT = """
import threading, time
from prefect import flow, pause_flow_run
from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from prefect.flow_runs import resume_flow_run

RUN_ID = []

def resume_when_paused(run_input):
    while not RUN_ID:
        time.sleep(0.1)
    with get_client(sync_client=True) as client:
        for _ in range(300):
            if client.read_flow_run(RUN_ID[-1]).state.is_paused():
                break
            time.sleep(0.1)
    resume_flow_run(RUN_ID[-1], run_input=run_input)

@flow(name=f"paused-{SUFFIX}")
def paused():
    RUN_ID.append(get_run_context().flow_run.id)
    pause_flow_run(timeout=60)  # no input
    number = pause_flow_run(wait_for_input=int, timeout=60)
    return number * 2

threading.Thread(target=lambda: (resume_when_paused(None), time.sleep(0.5), resume_when_paused({"value": 21})),
                 daemon=True).start()
state = paused(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, result=state.result())
"""


def test_pause_then_resume_with_input(prefect: ClientRunner, api: Api) -> None:
    run = prefect.run(PAUSED_FOR_INPUT).result
    assert (run["state"], run["result"]) == ("COMPLETED", 42)
    states = api.flow_run_states(run["flow_run_id"])
    assert [s["type"] for s in states].count("PAUSED") == 2
    # the answer is kept as the run's input, under the pause's response key
    found = api.post(f"/flow_runs/{run['flow_run_id']}/input/filter", {"prefix": "paused-", "limit": 10})
    responses = [i for i in found if i["key"].endswith("-response")]
    assert [i["value"] for i in responses] == ['{"value":21}']
