"""A deployment pointed at a global concurrency limit of one's own (`global_concurrency_limit_id`):
its runs lease that limit's slots, it shows as `global_concurrency_limit`, an unknown id is
a 404, and the deprecated `concurrency_limit` is answered null (as the reference does)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(120)


async def _flow(client) -> str:
    return (await (await client.post("/api/flows/", json={"name": "f"})).json())["id"]


async def _limit(client, name: str = "shared", limit: int = 1) -> dict:
    resp = await client.post("/api/v2/concurrency_limits/", json={"name": name, "limit": limit})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _deployment(client, flow_id: str, name: str = "d", **body) -> dict:
    resp = await client.post("/api/deployments/", json={"name": name, "flow_id": flow_id, **body})
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _read(client, deployment: dict) -> dict:
    return await (await client.get(f"/api/deployments/{deployment['id']}")).json()


async def _pending(client, deployment: dict) -> dict:
    run = await (await client.post(f"/api/deployments/{deployment['id']}/create_flow_run", json={})).json()
    resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "PENDING"}})
    return {**(await resp.json()), "run": run}


async def _slots(client, name: str) -> int:
    return (await (await client.get(f"/api/v2/concurrency_limits/{name}")).json())["active_slots"]


async def test_runs_of_deployments_sharing_a_limit_lease_its_slots(client) -> None:
    shared = await _limit(client, limit=1)
    flow_id = await _flow(client)
    first = await _deployment(client, flow_id, "a", global_concurrency_limit_id=shared["id"])
    second = await _deployment(client, flow_id, "b", global_concurrency_limit_id=shared["id"])
    shown = first["global_concurrency_limit"]
    assert (shown["id"], shown["name"], shown["limit"]) == (shared["id"], "shared", 1)
    assert first["concurrency_limit"] is None
    assert (await _read(client, second))["global_concurrency_limit"]["id"] == shared["id"]

    taken = await _pending(client, first)
    assert taken["status"] == "ACCEPT"
    assert taken["state"]["state_details"]["deployment_concurrency_lease_id"] is not None
    assert await _slots(client, "shared") == 1
    # the other deployment's run finds the shared limit full
    refused = await _pending(client, second)
    assert refused["status"] == "REJECT" and refused["state"]["name"] == "AwaitingConcurrencySlot"
    done = await client.post(
        f"/api/flow_runs/{taken['run']['id']}/set_state", json={"state": {"type": "COMPLETED"}, "force": True}
    )
    assert (await done.json())["status"] == "ACCEPT"
    assert await _slots(client, "shared") == 0
    again = await client.post(f"/api/flow_runs/{refused['run']['id']}/set_state", json={"state": {"type": "PENDING"}})
    assert (await again.json())["status"] == "ACCEPT"
    # no limit of their own was made
    assert (await client.get(f"/api/v2/concurrency_limits/deployment:{first['id']}")).status == 404


async def test_an_unknown_limit_is_a_404_and_changes_nothing(client) -> None:
    flow_id = await _flow(client)
    missing = "00000000-0000-0000-0000-000000000001"
    resp = await client.post(
        "/api/deployments/", json={"name": "d", "flow_id": flow_id, "global_concurrency_limit_id": missing}
    )
    assert resp.status == 404 and await resp.json() == {"detail": "Concurrency limit not found"}
    assert await (await client.post("/api/deployments/filter", json={})).json() == []

    dep = await _deployment(client, flow_id, concurrency_limit=2)
    resp = await client.patch(
        f"/api/deployments/{dep['id']}", json={"global_concurrency_limit_id": missing, "description": "x"}
    )
    assert resp.status == 404 and await resp.json() == {"detail": "Concurrency limit not found"}
    kept = await _read(client, dep)
    assert kept["description"] is None and kept["global_concurrency_limit"]["limit"] == 2


async def test_a_limit_and_a_limit_id_together_are_refused(client) -> None:
    shared = await _limit(client)
    flow_id = await _flow(client)
    body = {"name": "d", "flow_id": flow_id, "concurrency_limit": 2, "global_concurrency_limit_id": shared["id"]}
    resp = await client.post("/api/deployments/", json=body)
    assert resp.status == 422
    assert "A deployment cannot have both a concurrency limit and a global concurrency limit." in await resp.text()


async def test_linking_unlinking_and_the_deployments_own_limit(client) -> None:
    shared = await _limit(client, limit=4)
    flow_id = await _flow(client)
    dep = await _deployment(client, flow_id, concurrency_limit=2)
    own = dep["global_concurrency_limit"]
    assert own["name"] == f"deployment:{dep['id']}" and dep["concurrency_limit"] is None

    # The UI's edit form sends the limit shown: the deployment's own, unchanged.
    patch = {"description": "edited", "global_concurrency_limit_id": own["id"]}
    assert (await client.patch(f"/api/deployments/{dep['id']}", json=patch)).status == 204
    assert (await _read(client, dep))["global_concurrency_limit"]["id"] == own["id"]

    # Linked to the shared limit: its own limit goes.
    patch = {"global_concurrency_limit_id": shared["id"]}
    assert (await client.patch(f"/api/deployments/{dep['id']}", json=patch)).status == 204
    assert (await _read(client, dep))["global_concurrency_limit"]["id"] == shared["id"]
    assert (await client.get(f"/api/v2/concurrency_limits/{own['id']}")).status == 404

    # `concurrency_limit` changes the limit that governs it (as the reference does) ...
    assert (await client.patch(f"/api/deployments/{dep['id']}", json={"concurrency_limit": 6})).status == 204
    assert (await (await client.get("/api/v2/concurrency_limits/shared")).json())["limit"] == 6
    # ... and null, which clients send on every deploy, leaves a shared limit linked and in place.
    again = await _deployment(client, flow_id, concurrency_limit=None)
    assert again["id"] == dep["id"] and again["global_concurrency_limit"]["id"] == shared["id"]

    # Unlinked: unlimited; the shared limit stays.
    patch = {"global_concurrency_limit_id": None}
    assert (await client.patch(f"/api/deployments/{dep['id']}", json=patch)).status == 204
    assert (await _read(client, dep))["global_concurrency_limit"] is None
    assert (await client.get(f"/api/v2/concurrency_limits/{shared['id']}")).status == 200
    for _ in range(3):
        assert (await _pending(client, dep))["status"] == "ACCEPT"
    assert await _slots(client, "shared") == 0


async def test_deleting_the_deployment_or_the_limit(client) -> None:
    shared = await _limit(client)
    flow_id = await _flow(client)
    dep = await _deployment(client, flow_id, global_concurrency_limit_id=shared["id"])
    other = await _deployment(client, flow_id, "other", global_concurrency_limit_id=shared["id"])
    assert (await client.delete(f"/api/deployments/{dep['id']}")).status == 204
    assert (await client.get(f"/api/v2/concurrency_limits/{shared['id']}")).status == 200  # not the deployment's own
    # the limit deleted: the deployment it governed is unlimited
    assert (await client.delete(f"/api/v2/concurrency_limits/{shared['id']}")).status == 204
    assert (await _read(client, other))["global_concurrency_limit"] is None
    assert (await _pending(client, other))["status"] == "ACCEPT"
    assert (await _pending(client, other))["status"] == "ACCEPT"


async def test_the_deprecated_concurrency_limit_is_answered_null_everywhere(client) -> None:
    flow_id = await _flow(client)
    dep = await _deployment(client, flow_id, concurrency_limit=3)
    assert dep["concurrency_limit"] is None and dep["global_concurrency_limit"]["limit"] == 3
    assert (await _read(client, dep))["concurrency_limit"] is None
    found = await (await client.post("/api/deployments/filter", json={})).json()
    assert [(d["concurrency_limit"], d["global_concurrency_limit"]["limit"]) for d in found] == [(None, 3)]
    by_name = await (await client.get("/api/deployments/name/f/d")).json()
    assert by_name["concurrency_limit"] is None
    # Its filter is accepted and ignored, as in the reference.
    body = {"deployments": {"concurrency_limit": {"ge_": 10}}}
    assert len(await (await client.post("/api/deployments/filter", json=body)).json()) == 1
