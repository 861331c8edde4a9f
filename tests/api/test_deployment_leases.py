"""Deployment concurrency on leased slots of a global limit (`deployment:<id>`): the lease a
run takes at PENDING, carries through RUNNING and gives back when it finishes or is
cancelled; a lease that expires (its process died) frees its slot through the repossessor."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from prefect_core import timeutil
from prefect_core.services.background.repossessor import Repossessor
from prefect_http.keys import SERVICES

pytestmark = pytest.mark.timeout(120)


async def _deployment(client, limit: int | None = 1, **body) -> dict:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    resp = await client.post(
        "/api/deployments/",
        json={"name": body.pop("name", "d"), "flow_id": flow["id"], "concurrency_limit": limit, **body},
    )
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _run(client, deployment: dict) -> dict:
    resp = await client.post(f"/api/deployments/{deployment['id']}/create_flow_run", json={})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _propose(client, run: dict, type_: str, **state) -> dict:
    resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": type_, **state}})
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _slots(client, deployment: dict) -> int:
    limit = (await (await client.get(f"/api/deployments/{deployment['id']}")).json())["global_concurrency_limit"]
    return limit["active_slots"]


async def _renew(client, lease_id: str) -> int:
    resp = await client.post(f"/api/v2/concurrency_limits/leases/{lease_id}/renew", json={"lease_duration": 60})
    return resp.status


async def _expire(client, lease_id: str) -> None:
    """Move a lease's expiry into the past, as if its holder had stopped renewing it long ago."""
    storage = client.server.app[SERVICES].storage
    now = timeutil.now()
    async with storage.write() as uow:
        assert await uow.concurrency_leases.renew(uuid.UUID(lease_id), now - dt.timedelta(seconds=1), now)


async def _repossess(client) -> int:
    services = client.server.app[SERVICES]
    return await Repossessor(services.storage, services.concurrency_limits.waits).tick()


async def test_the_limit_is_a_global_limit_kept_in_step(client) -> None:
    dep = await _deployment(client, 2)
    shown = dep["global_concurrency_limit"]
    assert shown["name"] == f"deployment:{dep['id']}" and shown["limit"] == 2
    by_name = await (await client.get(f"/api/v2/concurrency_limits/deployment:{dep['id']}")).json()
    assert by_name["id"] == shown["id"] and by_name["limit"] == 2
    await client.patch(f"/api/deployments/{dep['id']}", json={"concurrency_limit": 5})
    assert (await (await client.get(f"/api/v2/concurrency_limits/{shown['id']}")).json())["limit"] == 5
    await client.patch(f"/api/deployments/{dep['id']}", json={"concurrency_limit": None})
    assert (await client.get(f"/api/v2/concurrency_limits/{shown['id']}")).status == 404
    await client.patch(f"/api/deployments/{dep['id']}", json={"concurrency_limit": 1})
    again = (await (await client.get(f"/api/deployments/{dep['id']}")).json())["global_concurrency_limit"]
    assert again["limit"] == 1
    assert (await client.delete(f"/api/deployments/{dep['id']}")).status == 204
    assert (await client.get(f"/api/v2/concurrency_limits/{again['id']}")).status == 404
    # an upsert that does not name the limit leaves it alone
    dep = await _deployment(client, 3, name="e")
    flow_id = dep["flow_id"]
    same = await (await client.post("/api/deployments/", json={"name": "e", "flow_id": flow_id})).json()
    # (the deprecated `concurrency_limit` is answered null, as the reference does)
    assert same["concurrency_limit"] is None and same["global_concurrency_limit"]["limit"] == 3


async def test_a_run_leases_its_slot_from_pending_to_the_end(client) -> None:
    dep = await _deployment(client, 1)
    run = await _run(client, dep)
    pending = await _propose(client, run, "PENDING")
    lease_id = pending["state"]["state_details"]["deployment_concurrency_lease_id"]
    assert pending["status"] == "ACCEPT" and lease_id
    assert await _slots(client, dep) == 1
    # the client renews it as the flow engine does
    assert await _renew(client, lease_id) == 204
    running = await _propose(client, run, "RUNNING")
    assert running["status"] == "ACCEPT"
    assert running["state"]["state_details"]["deployment_concurrency_lease_id"] == lease_id
    stored = await (await client.get(f"/api/flow_runs/{run['id']}")).json()
    assert stored["state"]["state_details"]["deployment_concurrency_lease_id"] == lease_id
    done = await _propose(client, run, "COMPLETED")
    assert done["status"] == "ACCEPT" and done["state"]["state_details"]["deployment_concurrency_lease_id"] is None
    assert await _slots(client, dep) == 0
    assert await _renew(client, lease_id) == 410  # released: the engine would stop


@pytest.mark.parametrize("from_pending", [False, True])
async def test_cancelling_a_run_gives_its_slot_back(client, from_pending) -> None:
    dep = await _deployment(client, 1)
    run, waiting = await _run(client, dep), await _run(client, dep)
    assert (await _propose(client, run, "PENDING"))["status"] == "ACCEPT"
    if not from_pending:
        assert (await _propose(client, run, "RUNNING"))["status"] == "ACCEPT"
    cancelling = await _propose(client, run, "CANCELLING")
    assert cancelling["status"] == "ACCEPT"
    assert cancelling["state"]["state_details"]["deployment_concurrency_lease_id"]  # still held while it stops
    assert (await _propose(client, waiting, "PENDING"))["state"]["name"] == "AwaitingConcurrencySlot"
    assert (await _propose(client, run, "CANCELLED"))["status"] == "ACCEPT"
    assert await _slots(client, dep) == 0
    assert (await _propose(client, waiting, "PENDING"))["status"] == "ACCEPT"


async def test_a_run_whose_lease_expires_frees_its_slot(client) -> None:
    """The run's process died while RUNNING: nobody renews its lease, nobody marks it crashed."""
    dep = await _deployment(client, 1)
    dead, next_run = await _run(client, dep), await _run(client, dep)
    lease_id = (await _propose(client, dead, "PENDING"))["state"]["state_details"]["deployment_concurrency_lease_id"]
    assert (await _propose(client, dead, "RUNNING"))["status"] == "ACCEPT"
    assert (await _propose(client, next_run, "PENDING"))["state"]["name"] == "AwaitingConcurrencySlot"
    assert await _repossess(client) == 0  # not expired yet: nothing to take
    await _expire(client, lease_id)
    assert await _repossess(client) == 1
    assert await _slots(client, dep) == 0
    assert (await _propose(client, next_run, "PENDING"))["status"] == "ACCEPT"
    # the dead run finishing late gives nothing back twice
    assert (await _propose(client, dead, "CRASHED"))["status"] == "ACCEPT"
    assert await _slots(client, dep) == 1


async def test_a_lease_lost_while_pending_is_taken_again_or_the_run_cancelled(client) -> None:
    dep = await _deployment(client, 1)
    slow, other = await _run(client, dep), await _run(client, dep)
    first_lease = (await _propose(client, slow, "PENDING"))["state"]["state_details"]["deployment_concurrency_lease_id"]
    await _expire(client, first_lease)
    await _repossess(client)
    # nobody else wanted the slot: the run starts on a new lease
    running = await _propose(client, slow, "RUNNING")
    assert running["status"] == "ACCEPT"
    second_lease = running["state"]["state_details"]["deployment_concurrency_lease_id"]
    assert second_lease and second_lease != first_lease
    assert await _slots(client, dep) == 1
    assert (await _propose(client, slow, "COMPLETED"))["status"] == "ACCEPT"

    # now another run takes the slot while the first one's lease is gone
    again = await _run(client, dep)
    lease = (await _propose(client, again, "PENDING"))["state"]["state_details"]["deployment_concurrency_lease_id"]
    await _expire(client, lease)
    await _repossess(client)
    assert (await _propose(client, other, "PENDING"))["status"] == "ACCEPT"
    lost = await _propose(client, again, "RUNNING")
    assert lost["status"] == "REJECT" and lost["state"]["type"] == "CANCELLED"
    assert lost["details"]["reason"] == "Deployment concurrency limit reached after lease expiry."
    assert lost["state"]["message"].startswith("Deployment concurrency slot lost during provisioning")
    assert await _slots(client, dep) == 1


async def test_grace_period_sets_the_first_lease_length(client) -> None:
    dep = await _deployment(
        client, 1, concurrency_options={"collision_strategy": "ENQUEUE", "grace_period_seconds": 60}
    )
    run = await _run(client, dep)
    lease_id = (await _propose(client, run, "PENDING"))["state"]["state_details"]["deployment_concurrency_lease_id"]
    storage = client.server.app[SERVICES].storage
    async with storage.read() as uow:
        lease = await uow.concurrency_leases.get(uuid.UUID(lease_id))
    assert lease is not None and lease.holder.type == "flow_run" and str(lease.holder.id) == run["id"]
    length = (lease.expiration - lease.created).total_seconds()
    assert length == pytest.approx(60, abs=1)
