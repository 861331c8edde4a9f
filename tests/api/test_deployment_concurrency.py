"""Deployment concurrency limits as clients see them: PENDING proposals take slots,
full deployments enqueue or cancel new runs, and the deployment shows its limit."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from prefect_core import timeutil
from prefect_core.services.background.late_runs import LateRuns
from prefect_http.keys import SERVICES

pytestmark = pytest.mark.timeout(120)


async def _deployment(client, limit: int | None = 1, strategy: str | None = None, **body) -> dict:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    body = {"name": "d", "flow_id": flow["id"], **body}
    if limit is not None:
        body["concurrency_limit"] = limit
    if strategy is not None:
        body["concurrency_options"] = {"collision_strategy": strategy}
    resp = await client.post("/api/deployments/", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _run(client, deployment: dict, **body) -> dict:
    resp = await client.post(f"/api/deployments/{deployment['id']}/create_flow_run", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _propose(client, run: dict, type_: str, **state) -> dict:
    resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": type_, **state}})
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _limit(client, deployment: dict) -> dict | None:
    return (await (await client.get(f"/api/deployments/{deployment['id']}")).json())["global_concurrency_limit"]


async def test_enqueue_makes_the_second_run_wait_for_the_first(client) -> None:
    dep = await _deployment(client, 1)
    first, second = await _run(client, dep), await _run(client, dep)

    assert (await _propose(client, first, "PENDING"))["status"] == "ACCEPT"
    refused = await _propose(client, second, "PENDING")
    assert refused["status"] == "REJECT"
    assert refused["details"]["reason"] == "Deployment concurrency limit reached."
    assert refused["state"]["type"] == "SCHEDULED" and refused["state"]["name"] == "AwaitingConcurrencySlot"
    stored = await (await client.get(f"/api/flow_runs/{second['id']}")).json()
    assert stored["state"]["name"] == "AwaitingConcurrencySlot"
    assert stored["next_scheduled_start_time"] == refused["state"]["state_details"]["scheduled_time"]
    assert stored["next_scheduled_start_time"] > second["next_scheduled_start_time"]

    limit = await _limit(client, dep)
    assert limit["name"] == f"deployment:{dep['id']}"
    assert (limit["limit"], limit["active_slots"], limit["active"]) == (1, 1, True)

    # RUNNING still holds the slot; finishing gives it back.
    assert (await _propose(client, first, "RUNNING"))["status"] == "ACCEPT"
    assert (await _propose(client, second, "PENDING"))["status"] == "REJECT"
    assert (await _propose(client, first, "COMPLETED"))["status"] == "ACCEPT"
    assert (await _limit(client, dep))["active_slots"] == 0
    taken = await _propose(client, second, "PENDING")
    assert taken["status"] == "ACCEPT" and taken["state"]["type"] == "PENDING"
    assert (await _limit(client, dep))["active_slots"] == 1


async def test_cancel_new_cancels_the_second_run(client) -> None:
    dep = await _deployment(client, 1, "CANCEL_NEW")
    assert dep["concurrency_options"] == {"collision_strategy": "CANCEL_NEW", "grace_period_seconds": None}
    first, second = await _run(client, dep), await _run(client, dep)
    assert (await _propose(client, first, "PENDING"))["status"] == "ACCEPT"
    refused = await _propose(client, second, "PENDING")
    assert refused["status"] == "REJECT"
    assert refused["state"]["type"] == "CANCELLED"
    assert refused["state"]["message"] == "Deployment concurrency limit reached."
    stored = await (await client.get(f"/api/flow_runs/{second['id']}")).json()
    assert stored["state_type"] == "CANCELLED" and stored["end_time"]

    # Going back to SCHEDULED frees the slot as well.
    third = await _run(client, dep)
    assert (await _propose(client, first, "SCHEDULED"))["status"] == "ACCEPT"
    assert (await _propose(client, third, "PENDING"))["status"] == "ACCEPT"


async def test_slots_are_per_deployment_and_runs_without_limit_are_free(client) -> None:
    limited = await _deployment(client, 1)
    free = await _deployment(client, None, name="free")
    assert free["global_concurrency_limit"] is None
    assert (await _propose(client, await _run(client, limited), "PENDING"))["status"] == "ACCEPT"
    for _ in range(3):
        assert (await _propose(client, await _run(client, free), "PENDING"))["status"] == "ACCEPT"
    # A run created straight into PENDING is forced there (as in the reference): it takes no slot.
    direct = await _run(client, limited, state={"type": "PENDING"})
    assert (
        direct["state_type"] == "PENDING"
        and direct["state"]["state_details"]["deployment_concurrency_lease_id"] is None
    )
    assert (await _limit(client, limited))["active_slots"] == 1


async def test_a_run_retrying_in_process_keeps_its_slot(client) -> None:
    dep = await _deployment(client, 1)
    first = await _run(client, dep, empirical_policy={"retries": 1, "retry_delay": 0})
    second = await _run(client, dep)
    for state in ("PENDING", "RUNNING"):
        assert (await _propose(client, first, state))["status"] == "ACCEPT"
    retry = await _propose(client, first, "FAILED")
    assert retry["status"] == "REJECT" and retry["state"]["name"] == "AwaitingRetry"
    assert (await _propose(client, second, "PENDING"))["state"]["name"] == "AwaitingConcurrencySlot"
    assert (await _limit(client, dep))["active_slots"] == 1
    assert (await _propose(client, first, "RUNNING"))["status"] == "ACCEPT"
    assert (await _propose(client, first, "COMPLETED"))["status"] == "ACCEPT"
    assert (await _propose(client, second, "PENDING"))["status"] == "ACCEPT"


async def test_limit_changes_and_the_limit_object_on_reads(client) -> None:
    dep = await _deployment(client, 2)
    limit = dep["global_concurrency_limit"]
    assert set(limit) == {
        "id",
        "created",
        "updated",
        "active",
        "name",
        "limit",
        "active_slots",
        "slot_decay_per_second",
    }
    assert (limit["limit"], limit["active_slots"]) == (2, 0)
    # the same object on every read
    found = await (await client.post("/api/deployments/filter", json={})).json()
    assert found[0]["global_concurrency_limit"]["id"] == limit["id"]

    runs = [await _run(client, dep) for _ in range(3)]
    assert [(await _propose(client, r, "PENDING"))["status"] for r in runs[:2]] == ["ACCEPT", "ACCEPT"]
    assert (await client.patch(f"/api/deployments/{dep['id']}", json={"concurrency_limit": 3})).status == 204
    assert (await _limit(client, dep))["limit"] == 3
    assert (await _propose(client, runs[2], "PENDING"))["status"] == "ACCEPT"

    assert (await client.patch(f"/api/deployments/{dep['id']}", json={"concurrency_limit": None})).status == 204
    assert await _limit(client, dep) is None
    extra = await _run(client, dep)
    assert (await _propose(client, extra, "PENDING"))["status"] == "ACCEPT"


@pytest.mark.parametrize("strategy,expected", [("CANCEL_NEW", "CANCELLED"), ("ENQUEUE", "SCHEDULED")])
async def test_late_runs_of_a_full_cancel_new_deployment_are_cancelled(client, strategy, expected) -> None:
    dep = await _deployment(client, 1, strategy)
    past = timeutil.isoformat(timeutil.now() - dt.timedelta(minutes=5))
    overdue = await _run(client, dep, state={"type": "SCHEDULED", "state_details": {"scheduled_time": past}})
    holder = await _run(client, dep)
    assert (await _propose(client, holder, "PENDING"))["status"] == "ACCEPT"
    services = client.server.app[SERVICES]
    await LateRuns(services.storage, services.orchestration, after=15).tick()
    stored = await (await client.get(f"/api/flow_runs/{overdue['id']}")).json()
    assert stored["state_type"] == expected
    if expected == "CANCELLED":
        assert stored["state"]["message"] == "Deployment concurrency limit reached."
    else:
        assert stored["state"]["name"] == "Late"


async def test_worker_polls_still_hand_out_runs_of_a_full_deployment(client) -> None:
    # As in the reference, the limit is enforced when a run proposes PENDING, not in the poll.
    assert (await client.post("/api/work_pools/", json={"name": "tp", "type": "process"})).status == 201
    dep = await _deployment(client, 1, work_pool_name="tp")
    first, second = await _run(client, dep), await _run(client, dep)
    assert (await _propose(client, first, "PENDING"))["status"] == "ACCEPT"
    polled = await (await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={})).json()
    assert [r["flow_run"]["id"] for r in polled] == [second["id"]]
    runner = await (
        await client.post("/api/deployments/get_scheduled_flow_runs", json={"deployment_ids": [dep["id"]]})
    ).json()
    assert [r["id"] for r in runner] == [second["id"]]


@pytest.mark.parametrize("strategy,loser", [("ENQUEUE", "SCHEDULED"), ("CANCEL_NEW", "CANCELLED")])
async def test_concurrent_pending_proposals_take_exactly_the_free_slots(client, strategy, loser) -> None:
    dep = await _deployment(client, 2, strategy)
    runs = [await _run(client, dep) for _ in range(8)]

    answers = await asyncio.gather(*(_propose(client, run, "PENDING") for run in runs))

    assert sorted(a["status"] for a in answers) == ["ACCEPT"] * 2 + ["REJECT"] * 6
    assert {a["state"]["type"] for a in answers if a["status"] == "REJECT"} == {loser}
    states = [(await (await client.get(f"/api/flow_runs/{run['id']}")).json())["state_type"] for run in runs]
    assert sorted(states).count("PENDING") == 2
    assert (await _limit(client, dep))["active_slots"] == 2


@pytest.mark.parametrize("strategy", ["ENQUEUE", "CANCEL_NEW"])
async def test_an_inactive_limit_admits_no_new_run(client, strategy: str) -> None:
    # As in the reference, whose slot increment counts only active limits: an inactive
    # deployment limit is not "unlimited" but has no free slot.
    dep = await _deployment(client, 2, strategy)
    limit_name = f"deployment:{dep['id']}"
    patched = await client.patch(f"/api/v2/concurrency_limits/{limit_name}", json={"active": False})
    assert patched.status == 204, await patched.text()
    run = await _run(client, dep)
    refused = await _propose(client, run, "PENDING")
    assert refused["status"] == "REJECT"
    assert refused["details"]["reason"] == "Deployment concurrency limit reached."
    if strategy == "ENQUEUE":
        assert refused["state"]["type"] == "SCHEDULED" and refused["state"]["name"] == "AwaitingConcurrencySlot"
    else:
        assert refused["state"]["type"] == "CANCELLED"
    limit = await _limit(client, dep)
    assert (limit["active"], limit["active_slots"]) == (False, 0)

    # Active again, it admits runs up to its limit.
    assert (await client.patch(f"/api/v2/concurrency_limits/{limit_name}", json={"active": True})).status == 204
    later = await _run(client, dep)
    assert (await _propose(client, later, "PENDING"))["status"] == "ACCEPT"
    assert (await _limit(client, dep))["active_slots"] == 1
