"""/concurrency_limits (v1): tag limits, a view of the global limits named `tag:<tag>`."""

from __future__ import annotations

import uuid

V1 = "/api/concurrency_limits"
V2 = "/api/v2/concurrency_limits"


async def _json(resp, status: int = 200):
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_create_is_an_upsert_of_the_global_limit(client) -> None:
    created = await _json(await client.post(f"{V1}/", json={"tag": "db", "concurrency_limit": 1}), 201)
    assert {k: created[k] for k in ("tag", "concurrency_limit", "active_slots")} == {
        "tag": "db",
        "concurrency_limit": 1,
        "active_slots": [],
    }
    again = await _json(await client.post(f"{V1}/", json={"tag": "db", "concurrency_limit": 3}), 200)
    assert again["id"] == created["id"] and again["concurrency_limit"] == 3
    v2 = await _json(await client.get(f"{V2}/tag:db"))
    assert (v2["id"], v2["limit"], v2["active"]) == (created["id"], 3, True)
    assert await _json(await client.get(f"{V1}/{created['id']}")) == await _json(await client.get(f"{V1}/tag/db"))
    for body in ({"tag": "a/b", "concurrency_limit": 1}, {"tag": "x"}, {"tag": "x", "concurrency_limit": 1, "y": 2}):
        assert (await client.post(f"{V1}/", json=body)).status == 422, body


async def test_only_tag_limits_are_seen(client) -> None:
    other = await _json(await client.post(f"{V2}/", json={"name": "plain", "limit": 1}), 201)
    for tag in ("b", "a", "c"):
        await client.post(f"{V1}/", json={"tag": tag, "concurrency_limit": 1})
    listed = await _json(await client.post(f"{V1}/filter", json={"offset": 1, "limit": 5}))
    assert [x["tag"] for x in listed] == ["b", "c"]
    for resp in (
        await client.get(f"{V1}/{other['id']}"),
        await client.get(f"{V1}/tag/plain"),
        await client.delete(f"{V1}/{other['id']}"),
    ):
        assert (resp.status, await resp.json()) == (404, {"detail": "Concurrency limit not found"})
    assert (await client.get(f"{V1}/not-a-uuid")).status == 404


async def test_increment_and_decrement_share_slots_with_v2(client) -> None:
    limit = await _json(await client.post(f"{V1}/", json={"tag": "db", "concurrency_limit": 2}), 201)
    runs = [str(uuid.uuid4()) for _ in range(3)]
    taken = await _json(await client.post(f"{V1}/increment", json={"names": ["db", "free"], "task_run_id": runs[0]}))
    assert taken == [{"id": limit["id"], "name": "db", "limit": 2}]
    # A task engine lease (v2) on the same tag takes the second slot...
    lease = await _json(
        await client.post(
            f"{V2}/increment-with-lease",
            json={"names": ["tag:db"], "slots": 1, "holder": {"type": "task_run", "id": runs[1]}},
        )
    )
    assert (await _json(await client.get(f"{V1}/tag/db")))["active_slots"] == runs[:2]
    # ...so a third holder is refused through either API.
    full = await client.post(f"{V1}/increment", json={"names": ["db"], "task_run_id": runs[2]})
    assert full.status == 423 and full.headers["Retry-After"] == "10.0"
    assert await full.json() == {"detail": "Concurrency limit for the db tag has been reached"}
    assert (await client.post(f"{V2}/increment", json={"names": ["tag:db"], "slots": 1})).status == 423
    released = await _json(await client.post(f"{V1}/decrement", json={"names": ["db"], "task_run_id": runs[0]}))
    assert released == [{"id": limit["id"], "name": "tag:db", "limit": 2}]
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": lease["lease_id"]})).status == 204
    after = await _json(await client.get(f"{V2}/tag:db"))
    assert after["active_slots"] == 0 and (await _json(await client.get(f"{V1}/tag/db")))["active_slots"] == []
    missing = await client.post(f"{V1}/decrement", json={"names": ["nope"], "task_run_id": runs[0]})
    assert await _json(missing) == []


async def test_a_zero_limit_refuses_for_good(client) -> None:
    await client.post(f"{V1}/", json={"tag": "never", "concurrency_limit": 0})
    zero = await client.post(f"{V1}/increment", json={"names": ["never"], "task_run_id": str(uuid.uuid4())})
    assert zero.status == 423 and "Retry-After" not in zero.headers
    assert (await zero.json())["detail"] == (
        'The concurrency limit on tag "never" is 0 and will deadlock if the task tries to run again.'
    )
    lease = await client.post(f"{V2}/increment-with-lease", json={"names": ["tag:never"], "slots": 1})
    assert (lease.status, await lease.json()) == (422, {"detail": "Slots requested is greater than the limit"})


async def test_reset_releases_every_holder_and_sets_overrides(client) -> None:
    await client.post(f"{V1}/", json={"tag": "db", "concurrency_limit": 3})
    await client.post(f"{V2}/", json={"name": "other", "limit": 1})
    holder = {"type": "task_run", "id": str(uuid.uuid4())}
    both = await _json(
        await client.post(
            f"{V2}/increment-with-lease", json={"names": ["tag:db", "other"], "slots": 1, "holder": holder}
        )
    )
    await client.post(f"{V1}/increment", json={"names": ["db"], "task_run_id": str(uuid.uuid4())})
    keep = str(uuid.uuid4())
    assert await _json(await client.post(f"{V1}/tag/db/reset", json={"slot_override": [keep]})) is None
    assert (await _json(await client.get(f"{V1}/tag/db")))["active_slots"] == [keep]
    assert (await _json(await client.get(f"{V2}/tag:db")))["active_slots"] == 1
    # The revoked lease gave back its slot of the other limit too, and cannot be renewed.
    assert (await _json(await client.get(f"{V2}/other")))["active_slots"] == 0
    assert (await client.post(f"{V2}/leases/{both['lease_id']}/renew", json={})).status == 410
    assert await _json(await client.post(f"{V1}/tag/db/reset")) is None
    assert (await _json(await client.get(f"{V2}/tag:db")))["active_slots"] == 0
    missing = await client.post(f"{V1}/tag/nope/reset", json={})
    assert (missing.status, await missing.json()) == (404, {"detail": "Concurrency limit not found"})


async def test_delete_by_id_and_by_tag(client) -> None:
    a = await _json(await client.post(f"{V1}/", json={"tag": "a", "concurrency_limit": 1}), 201)
    await client.post(f"{V1}/", json={"tag": "b", "concurrency_limit": 1})
    await client.post(f"{V1}/increment", json={"names": ["a", "b"], "task_run_id": str(uuid.uuid4())})
    assert await _json(await client.delete(f"{V1}/{a['id']}")) is None
    assert (await _json(await client.get(f"{V2}/tag:b")))["active_slots"] == 0  # the lease ended with a
    assert await _json(await client.delete(f"{V1}/tag/b")) is None
    for resp in (await client.delete(f"{V1}/tag/b"), await client.delete(f"{V1}/{a['id']}")):
        assert (resp.status, await resp.json()) == (404, {"detail": "Concurrency limit not found"})
    assert await _json(await client.post(f"{V1}/filter", json={})) == []
