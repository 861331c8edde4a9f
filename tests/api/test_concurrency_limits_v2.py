"""/v2/concurrency_limits: global limits, their slots and their leases."""

from __future__ import annotations

import datetime as dt
import uuid

from prefect_core import timeutil
from prefect_core.services.background.repossessor import Repossessor
from prefect_http.keys import SERVICES

V2 = "/api/v2/concurrency_limits"


async def _create(client, **body) -> dict:
    resp = await client.post(f"{V2}/", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _read(client, id_or_name: str) -> dict:
    resp = await client.get(f"{V2}/{id_or_name}")
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _lease(client, names: list[str], slots: int = 1, **more) -> tuple[int, dict, dict]:
    resp = await client.post(f"{V2}/increment-with-lease", json={"names": names, "slots": slots, **more})
    return resp.status, dict(resp.headers), await resp.json()


async def test_create_read_update_delete_by_id_and_name(client) -> None:
    created = await _create(client, name="db", limit=3, slot_decay_per_second=0.5)
    assert {k: created[k] for k in ("name", "limit", "active", "active_slots", "denied_slots")} == {
        "name": "db",
        "limit": 3,
        "active": True,
        "active_slots": 0,
        "denied_slots": 0,
    }
    assert created["avg_slot_occupancy_seconds"] == 2.0 and created["created"].endswith("Z")
    by_id, by_name = await _read(client, created["id"]), await _read(client, "db")
    assert by_id == by_name and set(by_id) == {
        "id",
        "created",
        "updated",
        "active",
        "name",
        "limit",
        "active_slots",
        "slot_decay_per_second",
    }
    assert (await client.patch(f"{V2}/db", json={"limit": 5, "active": False})).status == 204
    assert (await client.patch(f"{V2}/{created['id']}", json={"name": "db2"})).status == 204
    after = await _read(client, "db2")
    assert (after["limit"], after["active"], after["id"]) == (5, False, created["id"])
    assert (await client.get(f"{V2}/db")).status == 404
    assert (await client.delete(f"{V2}/db2")).status == 204
    for method in ("get", "delete"):
        resp = await getattr(client, method)(f"{V2}/{created['id']}")
        assert (resp.status, await resp.json()) == (404, {"detail": "Concurrency Limit not found"})
    resp = await client.patch(f"{V2}/{uuid.uuid4()}", json={"limit": 1})
    assert (resp.status, await resp.json()) == (404, {"detail": "Concurrency Limit not found"})


async def test_bad_input_and_duplicates(client) -> None:
    await _create(client, name="once", limit=1)
    dup = await client.post(f"{V2}/", json={"name": "once", "limit": 2})
    assert dup.status == 409 and "Data integrity conflict" in (await dup.json())["detail"]
    await _create(client, name="other", limit=1)
    assert (await client.patch(f"{V2}/other", json={"name": "once"})).status == 409
    for body, field in (
        ({"name": "a/b", "limit": 1}, "name"),
        ({"name": "", "limit": 1}, "name"),
        ({"name": "n", "limit": -1}, "limit"),
        ({"name": "n", "limit": 1, "slot_decay_per_second": -1}, "slot_decay_per_second"),
        ({"name": "n", "limit": 1, "extra": 1}, "extra"),
    ):
        resp = await client.post(f"{V2}/", json=body)
        assert resp.status == 422 and (await resp.json())["exception_detail"][0]["loc"] == ["body", field], body
    assert (await client.patch(f"{V2}/once", json={"active_slots": -1})).status == 422
    assert [limit["name"] for limit in await (await client.post(f"{V2}/filter", json={})).json()] == ["once", "other"]


async def test_filter_orders_by_name_and_pages(client) -> None:
    for name in ("c", "a", "b"):
        await _create(client, name=name, limit=1)
    page = await (await client.post(f"{V2}/filter", json={"offset": 1, "limit": 1})).json()
    assert [limit["name"] for limit in page] == ["b"]
    everything = await (await client.post(f"{V2}/filter")).json()
    assert [limit["name"] for limit in everything] == ["a", "b", "c"]


async def test_increment_and_decrement_keep_within_the_limit(client) -> None:
    await _create(client, name="a", limit=2)
    await _create(client, name="b", limit=1)
    ok = await client.post(f"{V2}/increment", json={"names": ["a", "b"], "slots": 1})
    assert ok.status == 200 and sorted(x["name"] for x in await ok.json()) == ["a", "b"]
    # b is full: nothing is taken from a either.
    locked = await client.post(f"{V2}/increment", json={"names": ["a", "b"], "slots": 1})
    assert locked.status == 423 and await locked.json() == {"detail": "Locked"}
    assert float(locked.headers["Retry-After"]) > 0
    assert (await _read(client, "a"))["active_slots"] == 1
    dec = await client.post(f"{V2}/decrement", json={"names": ["a", "b", "nope"], "slots": 5, "occupancy_seconds": 4})
    assert dec.status == 200 and len(await dec.json()) == 2
    assert [(await _read(client, n))["active_slots"] for n in ("a", "b")] == [0, 0]
    over = await client.post(f"{V2}/increment", json={"names": ["a"], "slots": 3})
    assert (over.status, await over.json()) == (422, {"detail": "Slots requested is greater than the limit"})
    rate = await client.post(f"{V2}/increment", json={"names": ["a", "b"], "slots": 1, "mode": "rate_limit"})
    assert rate.status == 422 and (await rate.json())["detail"].endswith("configured: 'a,b'")
    none = await client.post(f"{V2}/increment", json={"names": ["missing"], "slots": 1})
    assert (none.status, await none.json()) == (200, [])
    for body in (
        {"names": ["a"], "slots": 0},
        {"names": ["a"]},
        {"slots": 1},
        {"names": ["a"], "slots": 1, "mode": "x"},
    ):
        assert (await client.post(f"{V2}/increment", json=body)).status == 422, body


async def test_inactive_limits_are_named_but_not_counted(client) -> None:
    await _create(client, name="off", limit=1, active=False)
    status, _, body = await _lease(client, ["off"], slots=1)
    assert status == 200 and [x["name"] for x in body["limits"]] == ["off"]
    status, _, again = await _lease(client, ["off"], slots=1)
    assert status == 200 and (await _read(client, "off"))["active_slots"] == 0
    assert (await client.post(f"{V2}/leases/{again['lease_id']}/renew", json={})).status == 204


async def test_lease_holds_slots_until_released(client) -> None:
    limit = await _create(client, name="db", limit=1)
    holder = {"type": "task_run", "id": str(uuid.uuid4())}
    status, _, body = await _lease(client, ["db", "unknown"], lease_duration=60, holder=holder)
    assert status == 200 and body["limits"] == [{"id": limit["id"], "name": "db", "limit": 1}]
    lease_id = body["lease_id"]
    status, headers, denied = await _lease(client, ["db"])
    assert (status, denied) == (423, {"detail": "Locked"}) and float(headers["Retry-After"]) > 0
    assert (await client.post(f"{V2}/leases/{lease_id}/renew", json={"lease_duration": 120})).status == 204
    assert (await client.post(f"{V2}/leases/{lease_id}/renew")).status == 204
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": lease_id})).status == 204
    assert (await _read(client, "db"))["active_slots"] == 0
    # Released: renewing is 410, releasing again changes nothing.
    gone = await client.post(f"{V2}/leases/{lease_id}/renew", json={"lease_duration": 60})
    assert (gone.status, await gone.json()) == (
        410,
        {"detail": "Lease not found - it may have expired or been revoked"},
    )
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": lease_id})).status == 204
    assert (await _read(client, "db"))["active_slots"] == 0
    status, _, _ = await _lease(client, ["db"])
    assert status == 200 and (await _read(client, "db"))["active_slots"] == 1


async def test_lease_requests_are_validated(client) -> None:
    await _create(client, name="db", limit=1)
    for body in (
        {"names": ["db"], "slots": 1, "lease_duration": 59},
        {"names": ["db"], "slots": 1, "lease_duration": 86401},
        {"names": ["db"], "slots": 1, "holder": {"type": "worker", "id": str(uuid.uuid4())}},
        {"names": ["db"], "slots": 1, "holder": {"type": "task_run", "id": "x"}},
    ):
        assert (await client.post(f"{V2}/increment-with-lease", json=body)).status == 422, body
    assert (await client.post(f"{V2}/leases/{uuid.uuid4()}/renew", json={"lease_duration": 30})).status == 422
    bad_id = await client.post(f"{V2}/leases/not-a-uuid/renew", json={})
    assert bad_id.status == 422 and (await bad_id.json())["exception_detail"][0]["loc"] == ["path", "lease_id"]
    assert (await client.post(f"{V2}/leases/{uuid.uuid4()}/renew", json={})).status == 410
    assert (await client.post(f"{V2}/decrement-with-lease", json={})).status == 422
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": str(uuid.uuid4())})).status == 204
    assert (await _read(client, "db"))["active_slots"] == 0


async def test_no_limit_no_lease(client) -> None:
    status, _, body = await _lease(client, ["tag:none"], holder={"type": "task_run", "id": str(uuid.uuid4())})
    assert status == 200 and body["limits"] == [] and uuid.UUID(body["lease_id"])
    # Nothing was stored to renew.
    assert (await client.post(f"{V2}/leases/{body['lease_id']}/renew", json={})).status == 410


async def test_expired_lease_cannot_be_renewed_and_is_repossessed(client) -> None:
    await _create(client, name="db", limit=2)
    _, _, first = await _lease(client, ["db"])
    _, _, second = await _lease(client, ["db"])
    services = client.server.app[SERVICES]
    now = timeutil.now()
    async with services.storage.write() as uow:  # the first lease ran out a second ago
        assert await uow.concurrency_leases.renew(
            first["lease_id"], now - dt.timedelta(seconds=1), now - dt.timedelta(hours=1)
        )
    assert (await client.post(f"{V2}/leases/{first['lease_id']}/renew", json={})).status == 410
    assert (await _read(client, "db"))["active_slots"] == 2
    repossessor = Repossessor(services.storage, services.concurrency_limits.waits)
    assert await repossessor.tick() == 1
    assert await repossessor.tick() == 0
    assert (await _read(client, "db"))["active_slots"] == 1
    # The holder's late release gives nothing back twice; the live lease is untouched.
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": first["lease_id"]})).status == 204
    assert (await _read(client, "db"))["active_slots"] == 1
    assert (await client.post(f"{V2}/leases/{second['lease_id']}/renew", json={})).status == 204


async def test_deleting_a_limit_keeps_its_leases_harmless(client) -> None:
    await _create(client, name="a", limit=1)
    await _create(client, name="b", limit=1)
    _, _, body = await _lease(client, ["a", "b"])
    assert (await client.delete(f"{V2}/a")).status == 204
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": body["lease_id"]})).status == 204
    assert (await _read(client, "b"))["active_slots"] == 0


async def _limit_events(client, limit_id: str) -> list[dict]:
    await client.app[SERVICES].events.flush()
    resp = await client.post(
        "/api/events/filter",
        json={"filter": {"order": "ASC", "resource": {"id": [f"prefect.concurrency-limit.{limit_id}"]}}},
    )
    return (await resp.json())["events"]


async def test_lifecycle_events(client) -> None:
    limit = await _create(client, name="evented", limit=2)
    await client.patch(f"{V2}/evented", json={"limit": 4, "slot_decay_per_second": 0.5})
    await client.post(f"{V2}/increment", json={"names": ["evented"], "slots": 1})  # slots are no lifecycle event
    await client.delete(f"{V2}/evented")
    events = await _limit_events(client, limit["id"])
    assert [e["event"] for e in events] == [
        "prefect.concurrency-limit.created",
        "prefect.concurrency-limit.updated",
        "prefect.concurrency-limit.deleted",
    ]
    assert all(e["resource"]["prefect.resource.name"] == "evented" for e in events)
    assert events[1]["payload"] == {"name": "evented", "limit": 4, "active": True, "slot_decay_per_second": 0.5}
    # Tag limits are global limits: their events are the same.
    tag = await (await client.post("/api/concurrency_limits/", json={"tag": "t", "concurrency_limit": 1})).json()
    await client.post("/api/concurrency_limits/", json={"tag": "t", "concurrency_limit": 2})
    await client.delete("/api/concurrency_limits/tag/t")
    events = await _limit_events(client, tag["id"])
    assert [(e["event"].rsplit(".", 1)[1], e["payload"]["limit"]) for e in events] == [
        ("created", 1),
        ("updated", 2),
        ("deleted", 2),
    ]
    assert events[0]["resource"]["prefect.resource.name"] == "tag:t"
