import uuid


async def test_create_is_idempotent_by_name(client) -> None:
    first = await client.post("/api/flows/", json={"name": "etl", "tags": ["a"]})
    assert first.status == 201
    body = await first.json()
    again = await client.post("/api/flows/", json={"name": "etl"})
    assert again.status == 200
    assert (await again.json())["id"] == body["id"]
    assert body["created"].endswith("Z") and body["tags"] == ["a"]


async def test_read_by_id_and_name(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "my flow"})).json()
    by_id = await client.get(f"/api/flows/{flow['id']}")
    by_name = await client.get("/api/flows/name/my flow")
    assert (await by_id.json())["name"] == "my flow"
    assert (await by_name.json())["id"] == flow["id"]


async def test_missing_flow_is_404(client) -> None:
    resp = await client.get(f"/api/flows/{uuid.uuid4()}")
    assert resp.status == 404 and await resp.json() == {"detail": "Flow not found"}
    assert (await client.get("/api/flows/not-a-uuid")).status == 404


async def test_filter_count_paginate(client) -> None:
    for name in ("b", "a", "c"):
        await client.post("/api/flows/", json={"name": name, "tags": ["x"] if name != "c" else []})
    names = [f["name"] for f in await (await client.post("/api/flows/filter", json={})).json()]
    assert names == ["a", "b", "c"]
    tagged = await (await client.post("/api/flows/filter", json={"flows": {"tags": {"all_": ["x"]}}})).json()
    assert sorted(f["name"] for f in tagged) == ["a", "b"]
    assert await (await client.post("/api/flows/count", json={})).json() == 3
    page = await (await client.post("/api/flows/paginate", json={"limit": 2, "page": 2})).json()
    assert page["count"] == 3 and page["pages"] == 2 and [f["name"] for f in page["results"]] == ["c"]
    desc = await (await client.post("/api/flows/filter", json={"sort": "NAME_DESC", "limit": 1})).json()
    assert [f["name"] for f in desc] == ["c"]


async def test_patch_and_delete(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "p"})).json()
    assert (await client.patch(f"/api/flows/{flow['id']}", json={"tags": ["t"]})).status == 204
    assert (await (await client.get(f"/api/flows/{flow['id']}")).json())["tags"] == ["t"]
    assert (await client.delete(f"/api/flows/{flow['id']}")).status == 204
    assert (await client.get(f"/api/flows/{flow['id']}")).status == 404
    assert (await client.delete(f"/api/flows/{flow['id']}")).status == 404


async def test_bad_input_gets_422_with_details(client) -> None:
    resp = await client.post("/api/flows/", data=b"{not json", headers={"content-type": "application/json"})
    assert resp.status == 422
    body = await resp.json()
    assert body["exception_message"] == "Invalid request received."
    resp = await client.post("/api/flows/", json={"name": 5})
    assert resp.status == 422
    assert (await resp.json())["exception_detail"][0]["loc"] == ["body", "name"]
    resp = await client.post("/api/flows/", json={"name": "x", "unknown": 1})
    assert resp.status == 422
    resp = await client.post("/api/flows/filter", json={"limit": -1})
    assert resp.status == 422
    assert await (await client.post("/api/flows/count", json={})).json() == 0
