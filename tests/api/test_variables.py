"""/variables: create, read by id and name, filter, count, update and delete, and bad input."""

from __future__ import annotations

import uuid

V = "/api/variables"

NAME_RULE = "Value error, Variable name must only contain lowercase letters, numbers, and dashes or underscores."


async def _create(client, **body) -> dict:
    resp = await client.post(f"{V}/", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _all(client) -> list[dict]:
    resp = await client.post(f"{V}/filter", json={})
    assert resp.status == 200
    return await resp.json()


async def test_json_values_round_trip_by_id_and_name(client) -> None:
    values = ["text", 42, 3.5, True, None, {"a": [1, {"b": None}]}, [1, "two", 3.0]]
    for i, value in enumerate(values):
        created = await _create(client, name=f"v_{i}", value=value, tags=["t"])
        assert set(created) == {"id", "created", "updated", "name", "value", "tags"}
        assert (created["value"], created["tags"]) == (value, ["t"])
        by_id = await (await client.get(f"{V}/{created['id']}")).json()
        by_name = await (await client.get(f"{V}/name/v_{i}")).json()
        assert by_id == by_name == created
    assert (await _create(client, name="no-tags", value=1))["tags"] == []
    # the reference's rule allows an empty name (it cannot be addressed by name, only by id)
    empty = await _create(client, name="", value="e")
    assert (await (await client.get(f"{V}/{empty['id']}")).json())["name"] == ""


async def test_update_and_delete_by_id_and_by_name(client) -> None:
    created = await _create(client, name="cfg", value={"x": 1}, tags=["a"])
    assert (await client.patch(f"{V}/{created['id']}", json={"value": [1, 2]})).status == 204
    assert (await client.patch(f"{V}/name/cfg", json={"tags": ["b"], "name": "cfg2"})).status == 204
    after = await (await client.get(f"{V}/name/cfg2")).json()
    assert (after["id"], after["value"], after["tags"]) == (created["id"], [1, 2], ["b"])
    assert after["updated"] > created["updated"]
    # null clears a value; a null name or tag list changes nothing
    assert (await client.patch(f"{V}/name/cfg2", json={"value": None, "name": None, "tags": None})).status == 204
    after = await (await client.get(f"{V}/{created['id']}")).json()
    assert (after["name"], after["value"], after["tags"]) == ("cfg2", None, ["b"])
    assert (await client.delete(f"{V}/name/cfg2")).status == 204
    other = await _create(client, name="other", value=1)
    assert (await client.delete(f"{V}/{other['id']}")).status == 204
    assert await _all(client) == []
    missing = (
        ("get", f"{V}/{created['id']}", None),
        ("get", f"{V}/name/cfg2", None),
        ("patch", f"{V}/{uuid.uuid4()}", {"value": 1}),
        ("patch", f"{V}/name/nope", {"value": 1}),
        ("delete", f"{V}/{created['id']}", None),
        ("delete", f"{V}/name/cfg2", None),
    )
    for method, url, body in missing:
        resp = await client.request(method, url, json=body)
        assert (resp.status, await resp.json()) == (404, {"detail": "Variable not found."}), (method, url)


async def test_duplicate_names_are_409_and_change_nothing(client) -> None:
    first = await _create(client, name="dup", value=1)
    resp = await client.post(f"{V}/", json={"name": "dup", "value": 2})
    assert (resp.status, await resp.json()) == (409, {"detail": "A variable with the name 'dup' already exists."})
    second = await _create(client, name="dup2", value=2)
    resp = await client.patch(f"{V}/{second['id']}", json={"name": "dup"})
    assert resp.status == 409 and isinstance((await resp.json())["detail"], str)
    assert [(v["name"], v["value"]) for v in await _all(client)] == [("dup", 1), ("dup2", 2)]
    assert (await (await client.get(f"{V}/{first['id']}")).json())["value"] == 1


async def test_bad_names_and_values_get_the_references_messages(client) -> None:
    cases = [
        ({"name": "Has Caps", "value": 1}, "name", "value_error", NAME_RULE),
        ({"name": "a/b", "value": 1}, "name", "value_error", NAME_RULE),
        ({"name": "A" * 300, "value": 1}, "name", "value_error", NAME_RULE),
        (
            {"name": "a" * 256, "value": 1},
            "name",
            "too_long",
            "Value should have at most 255 items after validation, not 256",
        ),
        (
            {"name": "big", "value": "x" * 4999},
            "value",
            "value_error",
            "Value error, Variable value must be less than 5000 characters",
        ),
        ({"name": "big", "value": {"k": "x" * 5000}}, "value", "value_error", None),
        ({"name": "nv"}, "value", "missing", "Field required"),
        ({"value": 1}, "name", "missing", "Field required"),
        ({"name": "t", "value": 1, "tags": "notalist"}, "tags", "list_type", None),
        ({"name": "t", "value": 1, "extra": 1}, "extra", "extra_forbidden", None),
    ]
    for body, field, kind, msg in cases:
        resp = await client.post(f"{V}/", json=body)
        assert resp.status == 422, body
        answer = await resp.json()
        assert answer["exception_message"] == "Invalid request received." and answer["request_body"] == body
        item = answer["exception_detail"][0]
        assert (item["loc"], item["type"]) == (["body", field], kind), (body, item)
        if msg is not None:
            assert item["msg"] == msg
    # the largest value allowed: its JSON text is 5000 characters
    assert (await _create(client, name="edge", value="x" * 4998))["value"] == "x" * 4998
    edge = await _create(client, name="edge2", value=1)
    resp = await client.patch(f"{V}/{edge['id']}", json={"name": "Bad Name"})
    assert resp.status == 422 and (await resp.json())["exception_detail"][0]["msg"] == NAME_RULE
    resp = await client.patch(f"{V}/name/edge2", json={"value": "y" * 5000})
    assert resp.status == 422
    assert [v["name"] for v in await _all(client)] == ["edge", "edge2"]
    assert (await (await client.get(f"{V}/name/edge2")).json())["value"] == 1


async def test_filter_sort_page_and_count(client) -> None:
    made = {}
    for name, tags in (("alpha", ["a", "b"]), ("beta", ["b"]), ("gamma", []), ("delta_x", ["a"])):
        made[name] = await _create(client, name=name, value=name, tags=tags)

    async def names(body: dict) -> list[str]:
        resp = await client.post(f"{V}/filter", json=body)
        assert resp.status == 200, await resp.text()
        return [v["name"] for v in await resp.json()]

    async def count(body: dict) -> int:
        resp = await client.post(f"{V}/count", json=body)
        assert resp.status == 200, await resp.text()
        return await resp.json()

    assert await names({}) == ["alpha", "beta", "delta_x", "gamma"]
    assert await names({"sort": "NAME_DESC"}) == ["gamma", "delta_x", "beta", "alpha"]
    assert await names({"sort": "CREATED_DESC"}) == ["delta_x", "gamma", "beta", "alpha"]
    await client.patch(f"{V}/name/beta", json={"value": "changed"})
    assert (await names({"sort": "UPDATED_DESC"}))[0] == "beta"
    assert await names({"offset": 1, "limit": 2}) == ["beta", "delta_x"]
    assert await names({"limit": 0}) == []
    assert await names({"sort": None, "limit": None, "variables": None}) == ["alpha", "beta", "delta_x", "gamma"]
    by = {
        "ids": {"id": {"any_": [made["beta"]["id"], made["gamma"]["id"]]}},
        "names": {"name": {"any_": ["alpha", "nope"]}},
        "like": {"name": {"like_": "ta"}},
        "wildcard": {"name": {"like_": "l%a"}},
        "tags-all": {"tags": {"all_": ["a", "b"]}},
        "untagged": {"tags": {"is_null_": True}},
        "tagged": {"tags": {"is_null_": False}},
        "or": {"operator": "or_", "name": {"any_": ["gamma"]}, "tags": {"all_": ["a"]}},
    }
    expected = {
        "ids": ["beta", "gamma"],
        "names": ["alpha"],
        "like": ["beta", "delta_x"],
        "wildcard": ["alpha", "delta_x"],
        "tags-all": ["alpha"],
        "untagged": ["gamma"],
        "tagged": ["alpha", "beta", "delta_x"],
        "or": ["alpha", "delta_x", "gamma"],
    }
    for label, flt in by.items():
        assert await names({"variables": flt}) == expected[label], label
        assert await count({"variables": flt}) == len(expected[label]), label
    assert await count({}) == 4


async def test_bad_filter_bodies_are_422(client) -> None:
    for body in (
        {"limit": 201},
        {"limit": -1},
        {"offset": -1},
        {"sort": "ID_DESC"},
        {"variables": {"id": {"any_": ["not-a-uuid"]}}},
        {"variables": {"name": {"startswith_": "a"}}},
        {"variables": "junk"},
    ):
        resp = await client.post(f"{V}/filter", json=body)
        assert resp.status == 422, body
        assert (await resp.json())["exception_message"] == "Invalid request received."
    resp = await client.post(f"{V}/count", json={"variables": {"tags": {"all_": "a"}}})
    assert resp.status == 422


async def test_lifecycle_events(client) -> None:
    from prefect_http.keys import SERVICES

    created = await _create(client, name="evented", value={"a": 1}, tags=["t"])
    await client.patch(f"{V}/name/evented", json={"value": 2})
    await client.delete(f"{V}/{created['id']}")
    await client.post(f"{V}/", json={"name": "Bad", "value": 1})  # refused: no event
    await client.app[SERVICES].events.flush()
    resp = await client.post(
        "/api/events/filter", json={"filter": {"order": "ASC", "event": {"prefix": ["prefect.variable."]}}}
    )
    events = (await resp.json())["events"]
    assert [e["event"] for e in events] == [
        "prefect.variable.created",
        "prefect.variable.updated",
        "prefect.variable.deleted",
    ]
    assert {e["resource"]["prefect.resource.id"] for e in events} == {f"prefect.variable.{created['id']}"}
    assert [e["payload"] for e in events] == [
        {"name": "evented", "value": {"a": 1}, "tags": ["t"]},
        {"name": "evented", "value": 2, "tags": ["t"]},
        {"name": "evented", "value": 2, "tags": ["t"]},
    ]
