"""/artifacts and the artifact collections (/artifacts/latest/..., /artifacts/{key}/latest)."""

from __future__ import annotations

import uuid

A = "/api/artifacts"

KEY_RULE = "Value error, Artifact key must only contain lowercase letters, numbers, and dashes."


async def _create(client, **body) -> dict:
    resp = await client.post(f"{A}/", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _post(client, path: str, body: dict) -> list | int:
    resp = await client.post(f"{A}/{path}", json=body)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _latest(client, key: str) -> tuple[int, dict]:
    resp = await client.get(f"{A}/{key}/latest")
    return resp.status, await resp.json()


async def _runs(client) -> tuple[dict, dict, dict]:
    flow = await (await client.post("/api/flows/", json={"name": f"f-{uuid.uuid4().hex[:6]}"})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "name": "reporting"})).json()
    body = {"flow_run_id": run["id"], "task_key": "t", "dynamic_key": "0", "name": "make-report"}
    task = await (await client.post("/api/task_runs/", json=body)).json()
    return flow, run, task


async def test_every_artifact_type_is_stored_and_read_back(client) -> None:
    _, run, task = await _runs(client)
    kinds = {
        "markdown": "# Report\n\n*fine*",
        "table": [{"a": 1, "b": "x"}, {"a": 2, "b": None}],
        "link": "[docs](https://example.com)",
        "progress": 12.5,
        "image": "https://example.com/chart.png",
        # what the engine stores for a persisted result
        "result": {"storage_key": "/tmp/results/abc", "serializer": {"type": "pickle"}, "prefect_version": "3"},
    }
    for kind, data in kinds.items():
        body = {
            "key": f"{kind}-report",
            "type": kind,
            "description": f"a {kind}",
            "data": data,
            "metadata_": {"owner": "me"},
            "flow_run_id": run["id"],
            "task_run_id": task["id"],
        }
        created = await _create(client, **body)
        expected = set(body) | {"id", "created", "updated"}
        assert set(created) == expected and {k: created[k] for k in body} == body
        assert await (await client.get(f"{A}/{created['id']}")).json() == created
        status, latest = await _latest(client, f"{kind}-report")
        assert status == 200 and latest["latest_id"] == created["id"] and latest["id"] != created["id"]
        assert {k: latest[k] for k in ("key", "type", "description", "data", "flow_run_id", "task_run_id")} == {
            k: body[k] for k in ("key", "type", "description", "data", "flow_run_id", "task_run_id")
        }
    keyless = await _create(client, data="no key")
    # an empty key passes the reference's rule; it has a collection like any other key
    empty = await _create(client, key="", data="empty key")
    assert (await _post(client, "latest/filter", {"artifacts": {"key": {"any_": [""]}}}))[0]["latest_id"] == empty["id"]
    await client.delete(f"{A}/{empty['id']}")
    assert (keyless["key"], keyless["type"], keyless["flow_run_id"]) == (None, None, None)
    assert await _post(client, "latest/count", {}) == len(kinds)
    assert await _post(client, "count", {}) == len(kinds) + 1


async def test_latest_follows_create_update_and_delete(client) -> None:
    v1 = await _create(client, key="k", type="progress", data=0.0)
    v2 = await _create(client, key="k", type="progress", data=10.0, description="second")
    status, latest = await _latest(client, "k")
    assert status == 200
    assert (latest["latest_id"], latest["data"], latest["description"]) == (v2["id"], 10.0, "second")
    collection_id, first_created = latest["id"], latest["created"]
    # a progress artifact is updated in place: the artifact and its collection
    assert (await client.patch(f"{A}/{v2['id']}", json={"data": 55.0})).status == 204
    assert (await (await client.get(f"{A}/{v2['id']}")).json())["data"] == 55.0
    _, latest = await _latest(client, "k")
    assert (latest["data"], latest["id"], latest["created"]) == (55.0, collection_id, first_created)
    # updating an older version leaves the latest alone
    assert (await client.patch(f"{A}/{v1['id']}", json={"description": "old", "metadata_": {"m": "x"}})).status == 204
    older = await (await client.get(f"{A}/{v1['id']}")).json()
    assert (older["description"], older["metadata_"], older["data"]) == ("old", {"m": "x"}, 0.0)
    assert (await _latest(client, "k"))[1]["data"] == 55.0
    # deleting an older version leaves the latest alone; deleting the latest promotes the previous
    v3 = await _create(client, key="k", type="progress", data=99.0)
    assert (await client.delete(f"{A}/{v2['id']}")).status == 204
    assert (await _latest(client, "k"))[1]["latest_id"] == v3["id"]
    assert (await client.delete(f"{A}/{v3['id']}")).status == 204
    _, latest = await _latest(client, "k")
    assert (latest["latest_id"], latest["data"], latest["description"]) == (v1["id"], 0.0, "old")
    assert latest["created"] == v1["created"]
    assert (await client.delete(f"{A}/{v1['id']}")).status == 204
    assert await _latest(client, "k") == (404, {"detail": "Artifact not found."})
    assert await _post(client, "latest/count", {}) == 0
    for method, body in (("get", None), ("patch", {"data": 1}), ("delete", None)):
        resp = await client.request(method, f"{A}/{v1['id']}", json=body)
        assert (resp.status, await resp.json()) == (404, {"detail": "Artifact not found."}), method


async def test_update_clears_with_null_and_truncates_metadata(client) -> None:
    art = await _create(client, key="m", data={"x": 1}, description="d", metadata_={"long": "y" * 600})
    assert art["metadata_"] == {"long": "y" * 500 + "..."}
    assert (await client.patch(f"{A}/{art['id']}", json={"data": None, "description": None})).status == 204
    after = await (await client.get(f"{A}/{art['id']}")).json()
    assert (after["data"], after["description"], after["metadata_"]) == (None, None, art["metadata_"])
    assert after["updated"] > art["updated"]
    assert (await client.patch(f"{A}/{art['id']}", json={})).status == 204


async def test_bad_input_is_422_and_stores_nothing(client) -> None:
    cases = [
        ({"key": "Bad Key"}, ["body", "key"], KEY_RULE),
        ({"key": "a_b"}, ["body", "key"], KEY_RULE),
        ({"flow_run_id": "nope"}, ["body", "flow_run_id"], None),
        ({"metadata_": {"a": 1}}, ["body", "metadata_", "a"], None),
        ({"type": ["x"]}, ["body", "type"], None),
        ({"id": str(uuid.uuid4())}, ["body", "id"], None),
    ]
    for body, loc, msg in cases:
        resp = await client.post(f"{A}/", json=body)
        assert resp.status == 422, body
        item = (await resp.json())["exception_detail"][0]
        assert item["loc"] == loc, (body, item)
        if msg:
            assert item["msg"] == msg
    art = await _create(client, key="ok", data=1)
    for body in ({"key": "other"}, {"metadata_": "x"}):
        assert (await client.patch(f"{A}/{art['id']}", json=body)).status == 422
    for path, body in (
        ("filter", {"sort": "NAME_ASC"}),
        ("filter", {"limit": 201}),
        ("filter", {"artifacts": {"key": {"startswith_": "o"}}}),
        ("latest/filter", {"artifacts": {"id": {"any_": []}}}),
        ("count", {"flow_runs": {"id": {"any_": ["not-a-uuid"]}}}),
        ("latest/count", {"artifacts": {"latest_id": {"any_": ["x"]}}}),
    ):
        resp = await client.post(f"{A}/{path}", json=body)
        assert resp.status == 422, (path, body)
    assert [a["id"] for a in await _post(client, "filter", {})] == [art["id"]]
    assert (await (await client.get(f"{A}/{art['id']}")).json())["data"] == 1


async def test_filters_sorts_and_pages(client) -> None:
    flow, run, task = await _runs(client)
    _, other_run, _ = await _runs(client)
    made = {
        "a1": await _create(client, key="alpha", type="markdown", flow_run_id=run["id"], task_run_id=task["id"]),
        "b1": await _create(client, key="beta", type="table", flow_run_id=run["id"]),
        "a2": await _create(client, key="alpha", type="markdown", flow_run_id=other_run["id"]),
        "n1": await _create(client, type="result"),
        "g1": await _create(client, key="gamma", type="link"),
    }
    ids = {v["id"]: k for k, v in made.items()}

    async def found(path: str, body: dict) -> list[str]:
        return [ids[a["latest_id" if path.startswith("latest") else "id"]] for a in await _post(client, path, body)]

    assert await found("filter", {}) == sorted(made, key=lambda k: made[k]["id"], reverse=True)
    assert await found("filter", {"sort": "CREATED_DESC"}) == ["g1", "n1", "a2", "b1", "a1"]
    assert await found("filter", {"sort": "CREATED_DESC", "offset": 1, "limit": 2}) == ["n1", "a2"]
    assert (await found("filter", {"sort": "KEY_ASC", "artifacts": {"key": {"exists_": True}}}))[-1] == "g1"
    assert (await found("filter", {"sort": "KEY_DESC", "artifacts": {"key": {"exists_": True}}}))[0] == "g1"
    await client.patch(f"{A}/{made['b1']['id']}", json={"description": "touched"})
    assert (await found("filter", {"sort": "UPDATED_DESC"}))[0] == "b1"
    cases = {
        "key-any": ({"artifacts": {"key": {"any_": ["alpha"]}}}, {"a1", "a2"}),
        "key-like": ({"artifacts": {"key": {"like_": "mm"}}}, {"g1"}),
        "key-none": ({"artifacts": {"key": {"exists_": False}}}, {"n1"}),
        "type-any": ({"artifacts": {"type": {"any_": ["table", "link"]}}}, {"b1", "g1"}),
        "type-not": ({"artifacts": {"type": {"not_any_": ["markdown"]}}}, {"b1", "n1", "g1"}),
        "id": ({"artifacts": {"id": {"any_": [made["n1"]["id"]]}}}, {"n1"}),
        "run-id": ({"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}, {"a1", "b1"}),
        "task-id": ({"artifacts": {"task_run_id": {"any_": [task["id"]]}}}, {"a1"}),
        "or": (
            {"artifacts": {"operator": "or_", "key": {"any_": ["gamma"]}, "type": {"any_": ["result"]}}},
            {"g1", "n1"},
        ),
        "flow-runs": ({"flow_runs": {"id": {"any_": [other_run["id"]]}}}, {"a2"}),
        "any-flow-run": ({"flow_runs": {}}, {"a1", "b1", "a2"}),
        "flows": ({"flows": {"name": {"any_": [flow["name"]]}}}, {"a1", "b1"}),
        "task-runs": ({"task_runs": {"name": {"any_": ["make-report"]}}}, {"a1"}),
        "no-deployment": ({"deployments": {}}, set()),
    }
    for label, (body, expected) in cases.items():
        assert set(await found("filter", body)) == expected, label
        assert await _post(client, "count", body) == len(expected), label
    # collections: one per key, each its latest artifact
    assert await found("latest/filter", {"sort": "KEY_ASC"}) == ["a2", "b1", "g1"]
    latest_cases = {
        "latest-id": ({"artifacts": {"latest_id": {"any_": [made["a2"]["id"], made["a1"]["id"]]}}}, {"a2"}),
        "key": ({"artifacts": {"key": {"like_": "et"}}}, {"b1"}),
        "type": ({"artifacts": {"type": {"not_any_": ["table"]}}}, {"a2", "g1"}),
        "flow-runs": ({"flow_runs": {"id": {"any_": [run["id"]]}}}, {"b1"}),
        "flows": ({"flows": {"name": {"any_": [flow["name"]]}}}, {"b1"}),
    }
    for label, (body, expected) in latest_cases.items():
        assert set(await found("latest/filter", body)) == expected, label
        assert await _post(client, "latest/count", body) == len(expected), label


async def test_collection_lifecycle_events(client) -> None:
    from prefect_http.keys import SERVICES

    _, run, _ = await _runs(client)
    v1 = await _create(client, key="ev", type="markdown", data="one", flow_run_id=run["id"])
    v2 = await _create(client, key="ev", type="markdown", data="two")
    await _create(client, data="no key: no collection")
    await client.patch(f"{A}/{v2['id']}", json={"data": "edited"})  # the reference announces no update here
    await client.delete(f"{A}/{v2['id']}")
    await client.delete(f"{A}/{v1['id']}")
    await client.app[SERVICES].events.flush()
    body = {"filter": {"order": "ASC", "event": {"prefix": ["prefect.artifact-collection."]}}}
    events = (await (await client.post("/api/events/filter", json=body)).json())["events"]
    assert [(e["event"].rsplit(".", 1)[1], e["payload"]["data"]) for e in events] == [
        ("created", "one"),
        ("updated", "two"),
        ("updated", "one"),
        ("deleted", "one"),
    ]
    assert len({e["resource"]["prefect.resource.id"] for e in events}) == 1
    assert all(e["resource"]["prefect.resource.name"] == "ev" for e in events)
    roles = [{r["prefect.resource.role"]: r["prefect.resource.id"] for r in e["related"]} for e in events]
    assert roles[0] == {"latest": f"prefect.artifact.{v1['id']}", "flow-run": f"prefect.flow-run.{run['id']}"}
    assert roles[1] == {"latest": f"prefect.artifact.{v2['id']}"}
    assert roles[2]["latest"] == f"prefect.artifact.{v1['id']}"


async def test_artifacts_on_the_flow_run_graph(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "graphed"})).json()
    body = {"flow_id": flow["id"], "state": {"type": "RUNNING"}}
    run = await (await client.post("/api/flow_runs/", json=body)).json()
    task_body = {
        "flow_run_id": run["id"],
        "task_key": "t",
        "dynamic_key": "0",
        "name": "t",
        "state": {"type": "RUNNING"},
    }
    task = await (await client.post("/api/task_runs/", json=task_body)).json()
    old = await _create(client, key="g", type="markdown", data="v1", flow_run_id=run["id"])
    new = await _create(client, key="g", type="markdown", data="v2", flow_run_id=run["id"])
    progress = await _create(client, type="progress", data=40.0, flow_run_id=run["id"], task_run_id=task["id"])
    await _create(client, type="result", data={"storage_key": "x"}, flow_run_id=run["id"])  # not drawn
    await _create(client, key="elsewhere", data="other run")
    resp = await client.get(f"/api/flow_runs/{run['id']}/graph-v2")
    assert resp.status == 200, await resp.text()
    graph = await resp.json()
    drawn = [(x["id"], x["key"], x["type"], x["is_latest"], x["data"]) for x in graph["artifacts"]]
    assert drawn == [(old["id"], "g", "markdown", False, None), (new["id"], "g", "markdown", True, None)]
    (node,) = [n for _, n in graph["nodes"]]
    assert [(x["id"], x["is_latest"], x["data"]) for x in node["artifacts"]] == [(progress["id"], True, 40.0)]
