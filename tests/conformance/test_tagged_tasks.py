"""Tagged tasks run: the 3.8.8 task engine asks for a lease on `tag:<tag>` for every
tagged task run (`@task(tags=...)`, `with tags(...)`) whether or not a limit exists."""

from __future__ import annotations

import pytest

from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

TAGGED = """
import asyncio
from prefect import flow, tags, task

@task(tags=["db"])
def query(x):
    return x + 1

@task
def plain(x):
    return x * 10

@task(tags=["db", "io"])
async def fetch(x):
    return x

@flow(name=f"tagged-{SUFFIX}")
def tagged():
    total = query(1) + query.submit(2).result()
    with tags("x", f"t-{SUFFIX}"):
        total += plain(3) + sum(f.result() for f in plain.map([1, 2]))
    total += asyncio.run(fetch(100))
    return total

state = tagged(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, result=state.result())
"""


def test_tagged_tasks_without_limits_complete(prefect: ClientRunner, api: Api) -> None:
    run = prefect.run(TAGGED).result
    assert (run["state"], run["result"]) == ("COMPLETED", 2 + 3 + 30 + 10 + 20 + 100)
    task_runs = api.settled_task_runs(run["flow_run_id"], 6)
    assert sorted(tr["state_type"] for tr in task_runs) == ["COMPLETED"] * 6
    tagged_x = [tr for tr in task_runs if "x" in tr["tags"]]
    assert len(tagged_x) == 3 and all(any(t.startswith("t-") for t in tr["tags"]) for tr in tagged_x)
    assert sum("db" in tr["tags"] for tr in task_runs) == 3


def test_tagged_tasks_hold_and_give_back_a_tag_limit(prefect: ClientRunner, api: Api) -> None:
    """With a `tag:<tag>` limit the engine takes a lease per task run, renews it and
    releases it: every task completes and the limit ends with no slot taken."""
    suffix = unique_suffix()
    tag = f"lim-{suffix}"
    created = api.post("/v2/concurrency_limits/", {"name": f"tag:{tag}", "limit": 2})
    script = f"""
from prefect import flow, task

@task(tags=["{tag}"])
def work(x):
    return x

@flow(name=f"limited-{{SUFFIX}}")
def limited():
    return sum(f.result() for f in work.map(range(5)))

state = limited(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, result=state.result())
"""
    run = prefect.run(script, suffix=suffix).result
    assert (run["state"], run["result"]) == ("COMPLETED", 10)
    assert sorted(tr["state_type"] for tr in api.settled_task_runs(run["flow_run_id"], 5)) == ["COMPLETED"] * 5
    limit = api.get(f"/v2/concurrency_limits/{created['id']}")
    assert (limit["name"], limit["limit"], limit["active_slots"]) == (f"tag:{tag}", 2, 0)
