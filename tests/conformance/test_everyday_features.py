"""The client's everyday features in one flow, the way people write them, against our server.

Each feature below was tried by hand against our server before, but only the paths we built
had tests: the tagged-task crash taught us that a feature the client uses on its own (there,
tag concurrency) can break with no test noticing. One script (one client process, to keep the
suite's time) uses run-name templates, `log_prints`, `unmapped` maps, `allow_failure`, a task
timeout, a task's failure hook and a flow's completion hook, a transaction around a task
whose result is stored under a templated key, and async tasks gathered; a second script
returns explicit states, renames with `with_options`, runs tasks on a thread pool read back
with `as_completed` and caches by a key function. Each test then reads back what the server
stored. Both pass against the reference server too (`PREFECT_CONFORMANCE_API_URL`).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.support import Api, ClientRunner, eventually, names, unique_suffix

pytestmark = pytest.mark.conformance

EVERYDAY = """
import asyncio, time
from prefect import flow, task, allow_failure, unmapped
from prefect.transactions import transaction

HOOKS = []

@task(task_run_name="add-{x}")
def add(x, y):
    return x + y

def note_failure(task, task_run, state):
    HOOKS.append(f"task failed: {task_run.name}")

@task(task_run_name="bad-one", on_failure=[note_failure])
def bad():
    raise ValueError("bad on purpose")

@task(task_run_name="after-bad")
def after():
    return "ran anyway"

@task(task_run_name="too-slow", timeout_seconds=1)
def too_slow():
    time.sleep(5)

@task(task_run_name="printer", log_prints=True)
def printer():
    print(f"printed from a task {SUFFIX}")
    return 1

@task(task_run_name="kept", persist_result=True, result_storage_key="everyday-{parameters[n]}-" + SUFFIX)
def kept(n):
    return n * 2

@task(task_run_name="async-{i}")
async def square(i):
    await asyncio.sleep(0.01)
    return i * i

async def gathered():
    return await asyncio.gather(*(square(i) for i in range(3)))

def note_completion(flow, flow_run, state):
    HOOKS.append(f"flow completed: {flow_run.name}")

@flow(name=f"everyday-{SUFFIX}", flow_run_name="everyday-{label}", log_prints=True,
      on_completion=[note_completion])
def everyday(label: str):
    print(f"printed from the flow {SUFFIX}")
    sums = [f.result() for f in add.map([1, 2, 3], unmapped(10))]
    failed = bad.submit(return_state=True)
    ran = after.submit(wait_for=[allow_failure(failed)]).result()
    slow = too_slow(return_state=True)
    printer()
    with transaction():
        doubled = kept(21)
    squares = asyncio.run(gathered())
    return {"sums": sums, "ran": ran, "slow": slow.name, "doubled": doubled, "squares": squares}

state = everyday(label=SUFFIX, return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, result=state.result(),
       hooks=HOOKS)
"""


def _by_name(task_runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {tr["name"]: tr for tr in task_runs}


def test_everyday_features_are_stored_as_the_client_ran_them(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    run = prefect.run(EVERYDAY, suffix=suffix).result
    assert run["state"] == "COMPLETED", run
    assert run["result"] == {
        "sums": [11, 12, 13],
        "ran": "ran anyway",
        "slow": "TimedOut",
        "doubled": 42,
        "squares": [0, 1, 4],
    }
    # The hooks ran, the completion hook after the server accepted COMPLETED.
    assert run["hooks"] == ["task failed: bad-one", f"flow completed: everyday-{suffix}"]

    flow_run = api.flow_run(run["flow_run_id"])
    assert flow_run["name"] == f"everyday-{suffix}"  # the run-name template, filled in
    assert (flow_run["state_type"], flow_run["parameters"]) == ("COMPLETED", {"label": suffix})

    # 3 adds, bad, after, too-slow, printer, kept, 3 async squares.
    runs = _by_name(api.settled_task_runs(run["flow_run_id"], 11))
    assert set(runs) == {
        "add-1", "add-2", "add-3", "bad-one", "after-bad", "too-slow", "printer", "kept",
        "async-0", "async-1", "async-2",
    }  # fmt: skip
    outcome = {name: (tr["state_type"], tr["state_name"]) for name, tr in runs.items()}
    assert outcome.pop("bad-one") == ("FAILED", "Failed")
    assert outcome.pop("too-slow") == ("FAILED", "TimedOut")
    assert set(outcome.values()) == {("COMPLETED", "Completed")}
    assert "bad on purpose" in runs["bad-one"]["state"]["message"]
    # allow_failure: `after` waited for `bad` (its input names the failed run) and still ran.
    assert runs["after-bad"]["task_inputs"]["wait_for"] == [{"input_type": "task_run", "id": runs["bad-one"]["id"]}]
    # The mapped runs are three runs of one task, told apart by their dynamic keys.
    adds = [tr for name, tr in runs.items() if name.startswith("add-")]
    assert len({tr["task_key"] for tr in adds}) == 1 and len({tr["dynamic_key"] for tr in adds}) == 3

    # The stored result's key is the template, filled in with the task's parameters.
    kept_states = api.settled_task_run_states(runs["kept"]["id"], "Completed")
    assert names(kept_states)[-1] == "Completed"
    stored = kept_states[-1]["data"]
    assert isinstance(stored, dict) and stored["storage_key"].endswith(f"everyday-21-{suffix}"), stored

    # log_prints: the flow's and the task's print() calls became logs of the run.
    def printed(logs: list[dict[str, Any]]) -> set[str]:
        return {log["message"] for log in logs if "printed from" in log["message"]}

    want = {f"printed from the flow {suffix}", f"printed from a task {suffix}"}
    assert eventually(lambda: printed(api.logs(run["flow_run_id"])), lambda got: got == want) == want


STATES_AND_OPTIONS = """
from datetime import timedelta
from prefect import flow, task
from prefect.futures import as_completed
from prefect.runtime import task_run as this_task_run
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

@task
def named():
    return this_task_run.name

@task
def soft_failure():
    return Failed(message="returned, not raised")

def by_first_argument(context, parameters):
    return f"by-first-{parameters['x']}-" + SUFFIX

@task(cache_key_fn=by_first_argument, cache_expiration=timedelta(minutes=5), persist_result=True)
def cached(x, noise):
    return x * 100 + noise

@flow(name=f"options-{SUFFIX}", task_runner=ThreadPoolTaskRunner(max_workers=2))
def options():
    renamed = named.with_options(name="renamed-task", task_run_name="renamed-run")()
    futures = [named.submit() for _ in range(3)]
    finished = sorted(f.result() for f in as_completed(futures))
    soft = soft_failure(return_state=True)
    first = cached(1, 1)
    second = cached(1, 2, return_state=True)  # same key: the first result, not recomputed
    return Completed(message="done on purpose", data={
        "renamed": renamed, "finished": finished, "soft": [soft.type.value, soft.message],
        "first": first, "second": [second.name, second.result()],
    })

state = options.with_options(flow_run_name=f"options-run-{SUFFIX}")(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=[state.type.value, state.message],
       result=state.result())
"""


def test_returned_states_task_options_and_cache_keys(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    run = prefect.run(STATES_AND_OPTIONS, suffix=suffix).result
    assert run["state"] == ["COMPLETED", "done on purpose"]
    result = run["result"]
    assert result["renamed"] == "renamed-run"
    assert len(result["finished"]) == 3 and all(name.startswith("named-") for name in result["finished"])
    assert result["soft"] == ["FAILED", "returned, not raised"]
    assert (result["first"], result["second"]) == (101, ["Cached", 101])

    flow_run = api.flow_run(run["flow_run_id"])
    assert flow_run["name"] == f"options-run-{suffix}"
    assert (flow_run["state_type"], flow_run["state"]["message"]) == ("COMPLETED", "done on purpose")

    # renamed, 3 named, soft_failure, 2 cached
    runs = _by_name(api.settled_task_runs(run["flow_run_id"], 7))
    # with_options renames the run, not the task's key (the client derives that from the function).
    assert runs["renamed-run"]["task_key"] == next(tr["task_key"] for n, tr in runs.items() if n.startswith("named-"))
    assert {name for name in runs if name.startswith("named-")} == set(result["finished"])
    soft = next(tr for name, tr in runs.items() if name.startswith("soft_failure-"))
    assert (soft["state_type"], soft["state"]["message"]) == ("FAILED", "returned, not raised")
    cached = sorted((tr for name, tr in runs.items() if name.startswith("cached-")), key=lambda tr: tr["created"])
    assert [tr["state_name"] for tr in cached] == ["Completed", "Cached"]
    # The key lives in the client's result records: the runs' `cache_key` stays empty, as the
    # reference leaves it for task runs recorded from the client's events.
    assert {tr["cache_key"] for tr in cached} == {None}
