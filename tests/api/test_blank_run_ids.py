"""The V2 artifact page asks for the flow run and task run of an artifact by id, sending `""`
when the artifact has none (`{"id": {"any_": [""]}}`). The reference answers 422; we read the
blank id as "no run": it matches nothing, beside the real ids it comes with. Other malformed
ids are still the reference's 422."""

from __future__ import annotations

from typing import Any


async def _post(client: Any, path: str, body: dict[str, Any], status: int = 200) -> Any:
    resp = await client.post(path, json=body)
    assert resp.status == status, (path, resp.status, await resp.text())
    return await resp.json()


async def _run_with_task(client: Any) -> tuple[str, str]:
    flow_id = (await _post(client, "/api/flows/", {"name": "blank-ids"}, 201))["id"]
    flow_run_id = (await _post(client, "/api/flow_runs/", {"flow_id": flow_id}, 201))["id"]
    task = {"flow_run_id": flow_run_id, "task_key": "t", "dynamic_key": "0", "name": "t"}
    task_run_id = (await _post(client, "/api/task_runs/", task, 201))["id"]
    return flow_run_id, task_run_id


async def test_a_blank_run_id_matches_nothing(client: Any) -> None:
    flow_run_id, task_run_id = await _run_with_task(client)
    # the artifact page's very queries, for an artifact made outside any task
    task_query = {"task_runs": {"operator": "and_", "id": {"any_": [""]}}, "sort": "ID_DESC", "offset": 0}
    assert await _post(client, "/api/task_runs/filter", task_query) == []
    flow_query = {"flow_runs": {"operator": "and_", "id": {"any_": [""]}}, "sort": "ID_DESC", "offset": 0}
    assert await _post(client, "/api/flow_runs/filter", flow_query) == []
    assert await _post(client, "/api/task_runs/count", {"task_runs": {"id": {"any_": [""]}}}) == 0
    # beside real ids the blank one adds nothing
    both = {"task_runs": {"id": {"any_": ["", task_run_id]}}}
    assert [run["id"] for run in await _post(client, "/api/task_runs/filter", both)] == [task_run_id]
    both = {"flow_runs": {"id": {"any_": [flow_run_id, ""]}}}
    assert [run["id"] for run in await _post(client, "/api/flow_runs/filter", both)] == [flow_run_id]


async def test_other_malformed_ids_are_still_refused(client: Any) -> None:
    for path, key in (("/api/task_runs/filter", "task_runs"), ("/api/flow_runs/filter", "flow_runs")):
        resp = await client.post(path, json={key: {"id": {"any_": ["not-a-uuid"]}}})
        assert resp.status == 422, await resp.text()
        body = await resp.json()
        assert body["exception_message"] == "Invalid request received."
        assert any("any_" in [str(part) for part in error["loc"]] for error in body["exception_detail"])
        # an empty string is "no run" only where a run id is asked for by the UI: elsewhere it is refused
        resp = await client.post(path, json={key: {"id": {"not_any_": [""]}}})
        assert resp.status == 422, await resp.text()
