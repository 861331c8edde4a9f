"""/saved_searches: upsert by name, read, filter (name order, paged), delete."""

from __future__ import annotations

import uuid

S = "/api/saved_searches"

TAGS = {"object": "flow_run", "property": "tags", "type": "string", "operation": "contains", "value": "nightly"}
STATE = {"object": "flow_run", "property": "state", "type": "state", "operation": "or", "value": ["FAILED", None]}


async def _put(client, body: dict, status: int) -> dict:
    resp = await client.put(f"{S}/", json=body)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def _names(client, body: dict) -> list[str]:
    resp = await client.post(f"{S}/filter", json=body)
    assert resp.status == 200, await resp.text()
    return [s["name"] for s in await resp.json()]


async def test_put_creates_then_replaces_filters_by_name(client) -> None:
    created = await _put(client, {"name": "failures", "filters": [TAGS]}, 201)
    assert set(created) == {"id", "created", "updated", "name", "filters"}
    assert (created["name"], created["filters"]) == ("failures", [TAGS])
    assert await (await client.get(f"{S}/{created['id']}")).json() == created
    replaced = await _put(client, {"name": "failures", "filters": [STATE, TAGS]}, 200)
    assert (replaced["id"], replaced["created"], replaced["filters"]) == (
        created["id"],
        created["created"],
        [STATE, TAGS],
    )
    assert replaced["updated"] > created["updated"]
    emptied = await _put(client, {"name": "failures"}, 200)
    assert emptied["filters"] == [] and emptied["id"] == created["id"]
    # unknown keys inside a filter are dropped, as the reference's model drops them
    extra = await _put(client, {"name": "extra", "filters": [{**TAGS, "note": "x"}]}, 201)
    assert extra["filters"] == [TAGS]


async def test_filter_pages_in_name_order_and_delete(client) -> None:
    ids = {}
    for name in ("b", "c", "a"):
        ids[name] = (await _put(client, {"name": name}, 201))["id"]
    assert await _names(client, {}) == ["a", "b", "c"]
    assert await _names(client, {"offset": 1, "limit": 1}) == ["b"]
    assert await _names(client, {"limit": None, "offset": 2}) == ["c"]
    assert (await client.delete(f"{S}/{ids['b']}")).status == 204
    assert await _names(client, {}) == ["a", "c"]
    for method in ("get", "delete"):
        resp = await client.request(method, f"{S}/{ids['b']}")
        assert (resp.status, await resp.json()) == (404, {"detail": "Saved search not found"}), method
    resp = await client.get(f"{S}/{uuid.uuid4()}")
    assert resp.status == 404


async def test_bad_input_is_422_and_changes_nothing(client) -> None:
    kept = await _put(client, {"name": "kept", "filters": [TAGS]}, 201)
    for body, loc in (
        ({}, ["body", "name"]),
        ({"name": "kept", "filters": "x"}, ["body", "filters"]),
        ({"name": "kept", "filters": [{"object": "flow"}]}, ["body", "filters", 0, "property"]),
        (
            {"name": "kept", "filters": [{k: v for k, v in TAGS.items() if k != "value"}]},
            ["body", "filters", 0, "value"],
        ),
        ({"name": "kept", "extra": 1}, ["body", "extra"]),
        ({"name": 3}, ["body", "name"]),
    ):
        resp = await client.put(f"{S}/", json=body)
        assert resp.status == 422, body
        assert (await resp.json())["exception_detail"][0]["loc"] == loc, body
    for body in ({"limit": 201}, {"offset": -1}, {"limit": "x"}):
        assert (await client.post(f"{S}/filter", json=body)).status == 422, body
    assert await (await client.get(f"{S}/{kept['id']}")).json() == kept
