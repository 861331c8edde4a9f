"""/observed-states: exact state type/name pairs from flow-run and task-run histories."""

from __future__ import annotations


async def _run_through(client, *states: tuple[str, str]) -> dict:
    flow = await (await client.post("/api/flows/", json={"name": "observed"})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    for state_type, name in states:
        answer = await client.post(
            f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": state_type, "name": name}, "force": True}
        )
        assert answer.status == 201, await answer.text()
    return run


async def _task_through(client, flow_run_id: str, state_type: str, name: str) -> None:
    task = await (
        await client.post(
            "/api/task_runs/", json={"flow_run_id": flow_run_id, "task_key": "t", "dynamic_key": "0", "name": "t-0"}
        )
    ).json()
    answer = await client.post(
        f"/api/task_runs/{task['id']}/set_state", json={"state": {"type": state_type, "name": name}, "force": True}
    )
    assert answer.status == 201, await answer.text()


async def test_pairs_from_both_histories_with_their_bounds(client) -> None:
    run = await _run_through(client, ("RUNNING", "Running"), ("RUNNING", "Warming up"), ("COMPLETED", "Completed"))
    await _task_through(client, run["id"], "FAILED", "Exploded")
    found = await (await client.get("/api/observed-states", params={"order_by": "NAME_ASC"})).json()
    pairs = [(s["state_type"], s["state_name"]) for s in found]
    # Creating the flow run without a state records none; each set_state records one.
    assert pairs == sorted(pairs, key=lambda p: (p[1], p[0]))
    assert {
        ("RUNNING", "Running"),
        ("RUNNING", "Warming up"),
        ("COMPLETED", "Completed"),
        ("FAILED", "Exploded"),
    } <= set(pairs)
    for state in found:
        assert state["first_seen"] <= state["last_seen"]

    newest_first = await (await client.get("/api/observed-states")).json()
    seen = [s["last_seen"] for s in newest_first]
    assert seen == sorted(seen, reverse=True)


async def test_prefix_search_ignores_case_and_matches_name_or_type(client) -> None:
    run = await _run_through(client, ("RUNNING", "Warming up"), ("COMPLETED", "Completed"))
    await _task_through(client, run["id"], "FAILED", "Exploded")
    by_name = await (await client.get("/api/observed-states", params={"query": "warm"})).json()
    assert [(s["state_type"], s["state_name"]) for s in by_name] == [("RUNNING", "Warming up")]
    by_type = await (await client.get("/api/observed-states", params={"query": "fail"})).json()
    assert [(s["state_type"], s["state_name"]) for s in by_type] == [("FAILED", "Exploded")]
    # LIKE wildcards are taken literally.
    assert await (await client.get("/api/observed-states", params={"query": "%"})).json() == []


async def test_limit_and_bad_parameters(client) -> None:
    await _run_through(client, ("RUNNING", "Running"), ("COMPLETED", "Completed"))
    assert len(await (await client.get("/api/observed-states", params={"limit": "1"})).json()) == 1
    for params, loc in [
        ({"limit": "0"}, ["query", "limit"]),
        ({"limit": "201"}, ["query", "limit"]),
        ({"order_by": "SIDEWAYS"}, ["query", "order_by"]),
        ({"query": "x" * 101}, ["query", "query"]),
    ]:
        answer = await client.get("/api/observed-states", params=params)
        assert answer.status == 422, params
        assert [e["loc"] for e in (await answer.json())["exception_detail"]] == [loc]
