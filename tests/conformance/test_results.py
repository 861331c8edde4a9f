"""Persisted results and cached tasks.

Results live in the client's local storage (`PREFECT_RESULTS_LOCAL_STORAGE_PATH`, a tmp
directory); the server only keeps the result record's metadata in the state's `data`,
and another client process must be able to read the value back through it.
"""

from __future__ import annotations

import pytest

from tests.conformance.support import Api, ClientRunner, names

pytestmark = pytest.mark.conformance

CACHED_TASK = """
from prefect import flow, task
from prefect.cache_policies import INPUTS

@task(cache_policy=INPUTS, persist_result=True)
def expensive(x):
    return {"value": x * 10}

@flow(name=f"cache-{SUFFIX}")
def uses_cache(x):
    return expensive(x)

first = uses_cache(SUFFIX, return_state=True)
second = uses_cache(SUFFIX, return_state=True)
report(first=str(first.state_details.flow_run_id), second=str(second.state_details.flow_run_id),
       results=[first.result(), second.result()])
"""

PERSISTED_RESULTS = """
from prefect import flow, task

@task
def make_record():
    return {"answer": 42, "suffix": SUFFIX}

@flow(name=f"persist-{SUFFIX}", persist_result=True)
def persisted():
    record = make_record()
    return [record, "flow result"]

state = persisted(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), result=state.result())
"""

READ_BACK = """
from uuid import UUID
from prefect import get_client
from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterFlowRunId

flow_run_id = UUID(sys.argv[2])
with get_client(sync_client=True) as client:
    flow_run = client.read_flow_run(flow_run_id)
    task_runs = client.read_task_runs(
        task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[flow_run_id]))
    )
    report(flow_result=flow_run.state.result(), task_results=[tr.state.result() for tr in task_runs])
"""


def test_cached_task_second_run_is_cached(prefect: ClientRunner, api: Api) -> None:
    run = prefect.run(CACHED_TASK).result
    assert run["results"] == [run["results"][0]] * 2 and run["results"][0]["value"]

    first_runs = api.settled_task_runs(run["first"], 1)
    second_runs = api.settled_task_runs(run["second"], 1)
    assert len(first_runs) == len(second_runs) == 1
    first, second = first_runs[0], second_runs[0]
    assert first["id"] != second["id"] and first["task_key"] == second["task_key"]
    assert (first["state_type"], first["state_name"]) == ("COMPLETED", "Completed")
    assert (second["state_type"], second["state_name"]) == ("COMPLETED", "Cached")
    assert names(api.settled_task_run_states(first["id"], "Completed")) == ["Pending", "Running", "Completed"]
    second_states = api.settled_task_run_states(second["id"], "Cached")
    assert names(second_states) == ["Pending", "Running", "Cached"]
    # Both point at the same persisted result record.
    first_data = api.task_run(first["id"])["state"]["data"]
    assert first_data and first_data["storage_key"]
    assert second_states[-1]["data"]["storage_key"] == first_data["storage_key"]
    for flow_run_id in (run["first"], run["second"]):
        assert api.flow_run(flow_run_id)["state_type"] == "COMPLETED"


def test_persisted_results_read_back_by_another_process(prefect: ClientRunner, api: Api) -> None:
    env = {"PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true"}
    done = prefect.run(PERSISTED_RESULTS, env=env)
    flow_run_id = done.result["flow_run_id"]
    expected_record = done.result["result"][0]
    assert done.result["result"] == [expected_record, "flow result"] and expected_record["answer"] == 42

    flow_run = api.flow_run(flow_run_id)
    assert flow_run["state_type"] == "COMPLETED"
    assert flow_run["state"]["data"]["storage_key"]
    (task_run,) = api.settled_task_runs(flow_run_id, 1)
    assert api.task_run(task_run["id"])["state"]["data"]["storage_key"]

    read = prefect.run(READ_BACK, args=[flow_run_id], env=env).result
    assert read["flow_result"] == [expected_record, "flow result"]
    assert read["task_results"] == [expected_record]
