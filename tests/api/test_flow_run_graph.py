"""/flow_runs/{id}/graph-v2 and /flow_runs/{id}/graph"""

from __future__ import annotations

import datetime as dt
import uuid


async def _post(client, path: str, body: dict) -> dict:
    resp = await client.post(path, json=body)
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _task(client, run_id: str, name: str, inputs: dict, *states: str) -> dict:
    task = await _post(
        client,
        "/api/task_runs/",
        {
            "flow_run_id": run_id,
            "task_key": name,
            "dynamic_key": "0",
            "name": name,
            "task_inputs": inputs,
            "state": {"type": "PENDING"},
        },
    )
    for state in states:
        await _post(client, f"/api/task_runs/{task['id']}/set_state", {"state": {"type": state}})
    return task


def _ref(kind: str, run: dict) -> dict:
    return {"input_type": kind, "id": run["id"]}


async def test_graph_v2_nodes_and_edges(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "parent"})
    child_flow = await _post(client, "/api/flows/", {"name": "child"})
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"], "state": {"type": "RUNNING"}})
    rid = run["id"]
    a = await _task(client, rid, "a", {}, "RUNNING")
    b = await _task(client, rid, "b", {"x": [_ref("task_run", a)], "y": [_ref("task_run", a)]}, "RUNNING", "COMPLETED")
    c = await _task(
        client,
        rid,
        "c",
        {"__parents__": [_ref("task_run", a)], "p": [{"input_type": "parameter", "name": "p"}]},
        "RUNNING",
    )
    s = await _task(client, rid, "s", {"z": [_ref("task_run", b)]}, "RUNNING")
    sub = await _post(
        client,
        "/api/flow_runs/",
        {"flow_id": child_flow["id"], "name": "sub", "parent_task_run_id": s["id"], "state": {"type": "RUNNING"}},
    )
    d = await _task(
        client,
        rid,
        "d",
        {
            "q": [_ref("flow_run", sub)],
            "k": [{"input_type": "constant", "type": "int"}],
            "w": [_ref("task_run", s), _ref("task_run", c)],
        },
        "RUNNING",
    )

    resp = await client.get(f"/api/flow_runs/{rid}/graph-v2")
    assert resp.status == 200
    graph = await resp.json()
    assert list(graph) == ["start_time", "end_time", "root_node_ids", "nodes", "artifacts", "states"]
    assert graph["start_time"] is not None and graph["end_time"] is None
    assert [st["type"] for st in graph["states"]] == ["RUNNING"]
    assert list(graph["states"][0]) == ["id", "timestamp", "type", "name"]
    nodes = {node_id: node for node_id, node in graph["nodes"]}
    name = {a["id"]: "a", b["id"]: "b", c["id"]: "c", sub["id"]: "sub", d["id"]: "d"}
    assert set(nodes) == set(name)  # the subflow stands in for its task "s"

    def edges(node_id: str, kind: str) -> set[str]:
        return {name[e["id"]] for e in nodes[node_id][kind]}

    assert (edges(a["id"], "parents"), edges(a["id"], "children")) == (set(), {"b"})
    assert (edges(b["id"], "parents"), edges(b["id"], "children")) == ({"a"}, {"sub"})
    assert (edges(c["id"], "encapsulating"), edges(c["id"], "parents"), edges(c["id"], "children")) == (
        {"a"},
        set(),
        {"d"},
    )
    assert edges(d["id"], "parents") == {"c", "sub"}
    assert len(nodes[b["id"]]["parents"]) == 1  # two inputs from "a", one edge
    assert sorted(name[i] for i in graph["root_node_ids"]) == ["a", "c"]
    assert nodes[sub["id"]]["kind"] == "flow-run" and nodes[sub["id"]]["label"] == "child / sub"
    assert nodes[a["id"]]["kind"] == "task-run" and nodes[a["id"]]["label"] == "a"
    assert nodes[b["id"]]["state_type"] == "COMPLETED" and nodes[b["id"]]["end_time"] is not None
    assert list(nodes[a["id"]]) == [
        "kind",
        "id",
        "label",
        "state_type",
        "start_time",
        "end_time",
        "parents",
        "children",
        "encapsulating",
        "artifacts",
    ]
    starts = [node["start_time"] for _, node in graph["nodes"]]
    assert starts == sorted(starts)

    # since: only nodes not ended before it (the completed "b" is left out)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    recent = await (await client.get(f"/api/flow_runs/{rid}/graph-v2", params={"since": later})).json()
    assert {name[i] for i, _ in recent["nodes"]} == {"a", "c", "d", "sub"}


async def test_graph_v2_errors(client) -> None:
    missing = uuid.uuid4()
    resp = await client.get(f"/api/flow_runs/{missing}/graph-v2")
    assert resp.status == 404 and await resp.json() == {"exception_message": f"Flow run {missing} not found"}
    flow = await _post(client, "/api/flows/", {"name": "f"})
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"]})
    bad = await client.get(f"/api/flow_runs/{run['id']}/graph-v2", params={"since": "xx"})
    assert bad.status == 422
    body = await bad.json()
    assert body["exception_detail"][0]["loc"] == ["query", "since"] and body["request_body"] is None
    empty = await (await client.get(f"/api/flow_runs/{run['id']}/graph-v2")).json()
    assert (empty["nodes"], empty["root_node_ids"], empty["artifacts"]) == ([], [], [])


async def test_graph_v1_dependencies(client) -> None:
    flow = await _post(client, "/api/flows/", {"name": "f"})
    run = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"], "state": {"type": "RUNNING"}})
    a = await _task(client, run["id"], "a", {}, "RUNNING", "COMPLETED")
    b = await _task(
        client,
        run["id"],
        "b",
        {"x": [_ref("task_run", a)], "y": [_ref("task_run", a)], "p": [{"input_type": "parameter", "name": "p"}]},
        "RUNNING",
    )
    resp = await client.get(f"/api/flow_runs/{run['id']}/graph")
    assert resp.status == 200
    entries = {e["id"]: e for e in await resp.json()}
    assert set(entries) == {a["id"], b["id"]}
    assert list(entries[a["id"]]) == [
        "id",
        "name",
        "upstream_dependencies",
        "state",
        "expected_start_time",
        "start_time",
        "end_time",
        "total_run_time",
        "estimated_run_time",
        "untrackable_result",
    ]
    assert entries[a["id"]]["upstream_dependencies"] == []
    assert entries[b["id"]]["upstream_dependencies"] == [{"input_type": "task_run", "id": a["id"]}]
    assert entries[a["id"]]["state"]["type"] == "COMPLETED" and entries[b["id"]]["untrackable_result"] is False
    missing = uuid.uuid4()
    resp = await client.get(f"/api/flow_runs/{missing}/graph")
    assert resp.status == 404
    assert await resp.json() == {"exception_message": f"Flow run with id {missing} not found"}
