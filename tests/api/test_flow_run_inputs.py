"""/flow_runs/{id}/input"""

from __future__ import annotations

import uuid


async def _run(client) -> dict:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    return await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()


async def test_create_read_delete(client) -> None:
    run = await _run(client)
    url = f"/api/flow_runs/{run['id']}/input"
    created = await client.post(url, json={"key": "my-key", "value": '{"a": 1}', "sender": "me"})
    assert created.status == 201 and await created.json() is None
    read = await client.get(f"{url}/my-key")
    assert read.status == 200 and read.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert await read.text() == '{"a": 1}'
    dup = await client.post(url, json={"key": "my-key", "value": "other"})
    assert dup.status == 409
    assert await dup.json() == {"detail": "A flow run input with this key already exists."}
    assert (await client.delete(f"{url}/my-key")).status == 204
    for resp in (await client.get(f"{url}/my-key"), await client.delete(f"{url}/my-key")):
        assert resp.status == 404 and await resp.json() == {"detail": "Flow run input not found"}


async def test_unknown_run_and_bad_bodies(client) -> None:
    missing = await client.post(f"/api/flow_runs/{uuid.uuid4()}/input", json={"key": "k", "value": "v"})
    assert missing.status == 404 and await missing.json() == {"detail": "Flow run not found"}
    run = await _run(client)
    url = f"/api/flow_runs/{run['id']}/input"
    cases = [
        ({"key": "k"}, [("missing", ["body", "value"])]),
        ({"key": "k", "value": 5}, [("bytes_type", ["body", "value"])]),
        ({"key": "Not OK", "value": "v"}, [("value_error", ["body", "key"])]),
        ({}, [("missing", ["body", "key"]), ("missing", ["body", "value"])]),
    ]
    for body, expected in cases:
        resp = await client.post(url, json=body)
        assert resp.status == 422, body
        assert [(d["type"], d["loc"]) for d in (await resp.json())["exception_detail"]] == expected
    assert (await client.post(url)).status == 422


async def test_filter_by_prefix(client) -> None:
    run = await _run(client)
    url = f"/api/flow_runs/{run['id']}/input"
    for key in ("a-1", "a-2", "b-1", "ab-3"):
        assert (await client.post(url, json={"key": key, "value": key.upper()})).status == 201

    async def keys(body: dict) -> list[str]:
        resp = await client.post(f"{url}/filter", json=body)
        assert resp.status == 200
        return [item["key"] for item in await resp.json()]

    assert await keys({"prefix": "a"}) == ["a-1"]  # limit defaults to 1, oldest first
    assert await keys({"prefix": "a", "limit": None}) == ["a-1"]
    assert await keys({"prefix": "a-", "limit": 10}) == ["a-1", "a-2"]
    assert await keys({"prefix": "a", "limit": 10, "exclude_keys": ["a-1"]}) == ["a-2", "ab-3"]
    assert await keys({"prefix": "", "limit": 10}) == ["a-1", "a-2", "b-1", "ab-3"]
    assert await keys({"prefix": "A", "limit": 10}) == []  # case matters on every database
    assert await keys({"prefix": "a", "limit": -1}) == ["a-1", "a-2", "ab-3"]
    item = (await (await client.post(f"{url}/filter", json={"prefix": "a-1"})).json())[0]
    assert list(item) == ["id", "created", "updated", "flow_run_id", "key", "value", "sender"]
    assert item["flow_run_id"] == run["id"] and item["value"] == "A-1" and item["sender"] is None
    other = await client.post(f"/api/flow_runs/{uuid.uuid4()}/input/filter", json={"prefix": ""})
    assert await other.json() == []
    bad = await client.post(f"{url}/filter", json={})
    assert bad.status == 422
    assert [d["loc"] for d in (await bad.json())["exception_detail"]] == [["body", "prefix"]]


async def test_inputs_go_with_their_run(client) -> None:
    run = await _run(client)
    url = f"/api/flow_runs/{run['id']}/input"
    await client.post(url, json={"key": "k", "value": "v"})
    assert (await client.delete(f"/api/flow_runs/{run['id']}")).status == 204
    assert (await client.get(f"{url}/k")).status == 404
