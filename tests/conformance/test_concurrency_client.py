"""The client's concurrency surface against our server: `concurrency()` and `rate_limit()`
(sync and async), tag limits on tasks, and the `global-concurrency-limit` and
`concurrency-limit` CLI commands.

Holders record when they were inside the guarded block (after the slot was granted,
before it is given back); the tests count how many were inside at once.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conformance.background import cli
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance


def most_at_once(intervals: list[list[float]]) -> int:
    """The largest number of [enter, exit] intervals that overlap."""
    edges = sorted([(exit_, -1) for _, exit_ in intervals] + [(enter, 1) for enter, _ in intervals])
    inside = peak = 0
    for _, step in edges:
        inside += step
        peak = max(peak, inside)
    return peak


def _limit(api: Api, name: str, **fields: Any) -> dict[str, Any]:
    return api.post("/v2/concurrency_limits/", {"name": name, **fields})


HOLDERS = """
import asyncio, threading, time
from prefect.concurrency.sync import concurrency
from prefect.concurrency.asyncio import concurrency as aconcurrency
from prefect.client.orchestration import get_client

NAME, OTHER = sys.argv[2], sys.argv[3]
sync_times, async_times, seen = [], [], []

def hold():
    with concurrency(NAME, occupy=1, lease_duration=60):
        enter = time.time()
        time.sleep(0.4)
        sync_times.append([enter, time.time()])

threads = [threading.Thread(target=hold) for _ in range(5)]
for t in threads:
    t.start()
for t in threads:
    t.join()

async def ahold():
    async with aconcurrency([NAME, OTHER], occupy=1):
        enter = time.time()
        await asyncio.sleep(0.4)
        async_times.append([enter, time.time()])

async def several():
    await asyncio.gather(*(ahold() for _ in range(5)))
    async with aconcurrency([NAME, OTHER], occupy=2):
        async with get_client() as client:
            for name in (NAME, OTHER):
                seen.append((await client.read_global_concurrency_limit_by_name(name)).active_slots)

asyncio.run(several())
report(sync=sync_times, asynchronous=async_times, seen=seen)
"""


def test_concurrency_admits_at_most_the_limit(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    name, other = f"pair-{suffix}", f"wide-{suffix}"
    _limit(api, name, limit=2)
    _limit(api, other, limit=3)
    result = prefect.run(HOLDERS, args=[name, other], suffix=suffix).result
    assert len(result["sync"]) == 5 and len(result["asynchronous"]) == 5
    # Never three holders at once; two at once in one group at least, so the limit is what
    # held them back (on a loaded machine a group's retries may happen to come one by one).
    overlaps = (most_at_once(result["sync"]), most_at_once(result["asynchronous"]))
    assert max(overlaps) == 2 and min(overlaps) >= 1, overlaps
    assert result["seen"] == [2, 2]  # occupy=2 of both names, while held
    assert [api.get(f"/v2/concurrency_limits/{n}")["active_slots"] for n in (name, other)] == [0, 0]


STRICT_AND_TIMEOUT = """
import asyncio
from prefect.concurrency.sync import concurrency
from prefect.concurrency.asyncio import concurrency as aconcurrency

NAME, MISSING = sys.argv[2], sys.argv[3]
errors = {}

def failure(call):
    try:
        call()
    except BaseException as exc:
        return type(exc).__name__
    return None

def strict():
    with concurrency(MISSING, strict=True):
        pass

def lenient():
    with concurrency(MISSING):
        pass

def timed_out():
    with concurrency(NAME, occupy=1, lease_duration=60):
        with concurrency(NAME, occupy=1, timeout_seconds=1):
            pass

async def astrict():
    async with aconcurrency(MISSING, strict=True):
        pass

async def atimed_out():
    async with aconcurrency(NAME, occupy=1):
        async with aconcurrency(NAME, occupy=1, timeout_seconds=1):
            pass

errors["strict"] = failure(strict)
errors["lenient"] = failure(lenient)
errors["timeout"] = failure(timed_out)
errors["astrict"] = failure(lambda: asyncio.run(astrict()))
errors["atimeout"] = failure(lambda: asyncio.run(atimed_out()))
report(**errors)
"""


def test_strict_and_timeout(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    name = f"one-{suffix}"
    _limit(api, name, limit=1)
    result = prefect.run(STRICT_AND_TIMEOUT, args=[name, f"missing-{suffix}"], suffix=suffix).result
    assert result == {
        "strict": "ConcurrencySlotAcquisitionError",
        "lenient": None,
        "timeout": "AcquireConcurrencySlotTimeoutError",
        "astrict": "ConcurrencySlotAcquisitionError",
        "atimeout": "AcquireConcurrencySlotTimeoutError",
    }
    assert api.get(f"/v2/concurrency_limits/{name}")["active_slots"] == 0


RATE_LIMITED = """
import asyncio, time
from prefect.concurrency.sync import rate_limit
from prefect.concurrency.asyncio import rate_limit as arate_limit

NAME, STEADY = sys.argv[2], sys.argv[3]
sync_times, async_times = [], []
for _ in range(4):
    rate_limit(NAME)
    sync_times.append(time.time())

async def arun():
    for _ in range(4):
        await arate_limit(NAME)
        async_times.append(time.time())

asyncio.run(arun())
try:
    rate_limit(STEADY)
    steady = None
except Exception as exc:
    steady = str(exc)
report(sync=sync_times, asynchronous=async_times, steady=steady)
"""


def test_rate_limit_spaces_calls_at_its_decay_rate(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    name, steady = f"rate-{suffix}", f"steady-{suffix}"
    _limit(api, name, limit=1, slot_decay_per_second=2.0)  # one call per 0.5 s
    _limit(api, steady, limit=1)
    result = prefect.run(RATE_LIMITED, args=[name, steady], suffix=suffix).result
    for times in (result["sync"], result["asynchronous"]):
        assert times == sorted(times)
        # Four calls need three refills of 0.5 s each; allow for a generous margin.
        assert times[-1] - times[0] >= 1.0, times
    assert "422" in result["steady"] and "do not have a decay configured" in result["steady"]


TAG_LIMITED = """
import time
from prefect import flow, task
from prefect.client.orchestration import get_client

TAG = sys.argv[2]

@task(tags=[TAG])
def work(i):
    enter = time.time()
    time.sleep(0.4)
    return [enter, time.time()]

@flow(name=f"tag-limited-{SUFFIX}")
def limited():
    return [f.result() for f in work.map(range(6))]

with get_client(sync_client=True) as client:
    client.create_concurrency_limit(tag=TAG, concurrency_limit=2)
state = limited(return_state=True)
report(flow_run_id=str(state.state_details.flow_run_id), state=state.type.value, times=state.result())
"""


def test_tag_limit_bounds_task_runs(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    tag = f"tl-{suffix}"
    run = prefect.run(TAG_LIMITED, args=[tag], suffix=suffix).result
    assert run["state"] == "COMPLETED" and len(run["times"]) == 6
    assert most_at_once(run["times"]) == 2
    task_runs = api.settled_task_runs(run["flow_run_id"], 6)
    assert sorted(tr["state_type"] for tr in task_runs) == ["COMPLETED"] * 6
    limit = api.get(f"/concurrency_limits/tag/{tag}")
    assert (limit["concurrency_limit"], limit["active_slots"]) == (2, [])


ZERO_LIMITED = """
from pathlib import Path
from prefect import flow, task

TAG, MARK = sys.argv[2], Path(sys.argv[3])

@task(tags=[TAG])
def never():
    MARK.write_text("ran")

@flow(name=f"zero-{SUFFIX}")
def blocked():
    never()

state = blocked(return_state=True)
report(state=state.type.value, message=state.message, ran=MARK.exists())
"""


def test_a_zero_tag_limit_blocks_its_tasks(prefect: ClientRunner, api: Api) -> None:
    """The engine asks for one slot of a zero limit: the server refuses it as the reference
    does (422, more slots than the limit), so the task never runs and the flow fails."""
    suffix = unique_suffix()
    tag = f"zero-{suffix}"
    api.post("/concurrency_limits/", {"tag": tag, "concurrency_limit": 0})
    mark = prefect.workdir / f"ran-{suffix}"
    run = prefect.run(ZERO_LIMITED, args=[tag, str(mark)], suffix=suffix).result
    assert run["state"] == "FAILED" and not run["ran"]
    assert "Slots requested is greater than the limit" in run["message"]


@pytest.mark.one_backend
def test_cli_commands(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    gcl, tag = f"cli-{suffix}", f"cli-tag-{suffix}"

    def run(*args: str) -> str:
        # Wide enough that rich does not cut names in its tables.
        return cli(list(args), {**prefect.env, "COLUMNS": "400"}, prefect.workdir).stdout

    assert "Created global concurrency limit" in run(
        "global-concurrency-limit", "create", gcl, "--limit", "5", "--slot-decay-per-second", "0.5"
    )
    assert gcl in run("global-concurrency-limit", "ls")
    inspected = json.loads(run("global-concurrency-limit", "inspect", gcl, "--output", "json"))
    assert (inspected["limit"], inspected["slot_decay_per_second"], inspected["active"]) == (5, 0.5, True)
    run("global-concurrency-limit", "update", gcl, "--limit", "3")
    run("global-concurrency-limit", "disable", gcl)
    assert api.get(f"/v2/concurrency_limits/{gcl}")["active"] is False
    run("global-concurrency-limit", "enable", gcl)
    assert (api.get(f"/v2/concurrency_limits/{gcl}")["active"], api.get(f"/v2/concurrency_limits/{gcl}")["limit"]) == (
        True,
        3,
    )
    run("global-concurrency-limit", "delete", gcl)
    assert api.http.get(f"/v2/concurrency_limits/{gcl}").status_code == 404

    run("concurrency-limit", "create", tag, "3")
    assert tag in run("concurrency-limit", "ls")
    api.post("/concurrency_limits/increment", {"names": [tag], "task_run_id": "00000000-0000-0000-0000-000000000001"})
    inspected = json.loads(run("concurrency-limit", "inspect", tag, "--output", "json"))
    assert (inspected["concurrency_limit"], inspected["active_slots"]) == (3, ["00000000-0000-0000-0000-000000000001"])
    run("concurrency-limit", "reset", tag)
    assert api.get(f"/concurrency_limits/tag/{tag}")["active_slots"] == []
    assert api.get(f"/v2/concurrency_limits/tag:{tag}")["active_slots"] == 0
    run("concurrency-limit", "delete", tag)
    assert api.http.get(f"/concurrency_limits/tag/{tag}").status_code == 404
