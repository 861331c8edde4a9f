"""The flow-run and task-run list and read endpoints answer documents built from the stored rows
(`prefect_storage_sql.repositories.run_documents`), not from the models: their JSON must be the
models' JSON, field for field, for every kind of run, on both backends."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.bodies.queries import FlowRunQuery, TaskRunQuery
from prefect_http.jsonio import dumps
from prefect_http.keys import SERVICES
from prefect_storage_sql import tables

pytestmark = pytest.mark.timeout(120)

FROZEN = dt.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)


async def _post(client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await client.post(path, json=body)
    assert resp.status in (200, 201), (path, resp.status, await resp.text())
    return await resp.json()


async def _set_state(client, kind: str, run_id: str, state: dict[str, Any]) -> None:
    resp = await client.post(f"/api/{kind}/{run_id}/set_state", json={"state": state, "force": True})
    assert resp.status in (200, 201), await resp.text()


async def _seed(client) -> tuple[list[str], list[str]]:
    """Flow runs and task runs of every shape the endpoints answer; returns their ids."""
    flow = await _post(client, "/api/flows/", {"name": "docs-flow", "tags": ["ft"], "labels": {"team": "a"}})
    await _post(client, "/api/work_pools/", {"name": "docs-pool", "type": "process"})
    deployment = await _post(
        client,
        "/api/deployments/",
        {"name": "docs-dep", "flow_id": flow["id"], "work_pool_name": "docs-pool", "parameters": {"x": 1}},
    )
    runs = [
        await _post(client, "/api/flow_runs/", {"flow_id": flow["id"]}),
        await _post(
            client,
            "/api/flow_runs/",
            {
                "flow_id": flow["id"],
                "name": "full",
                "tags": ["a", "b", "ü"],
                "parameters": {"n": None, "f": 1.5, "big": 1e20, "list": [1, "two", {"three": 3.0}], "s": ""},
                "context": {"k": {"nested": True}},
                "labels": {"i": 1, "f": 2.5, "b": False, "s": "x"},
                "idempotency_key": "idem",
                "flow_version": "1.0",
                "job_variables": {"env": {"A": "1"}},
                "empirical_policy": {"retries": 2, "retry_delay": 5, "pause_keys": ["p1", "p2"], "resuming": True},
                "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": "2020-01-01T00:00:00Z"}},
            },
        ),
        await _post(client, "/api/flow_runs/", {"flow_id": flow["id"], "tags": [], "parameters": {}}),
        await _post(client, f"/api/deployments/{deployment['id']}/create_flow_run", {"parameters": {"x": 2}}),
        await _post(client, f"/api/deployments/{deployment['id']}/create_flow_run", {"work_queue_name": "other"}),
    ]
    parent = runs[0]
    tasks = [
        await _post(
            client, "/api/task_runs/", {"flow_run_id": parent["id"], "task_key": "k", "dynamic_key": str(i), "tags": []}
        )
        for i in range(3)
    ]
    tasks.append(
        await _post(
            client,
            "/api/task_runs/",
            {
                "flow_run_id": parent["id"],
                "task_key": "k2",
                "dynamic_key": "0",
                "tags": ["t"],
                "cache_key": "ck",
                "cache_expiration": "2030-01-01T00:00:00.5+02:00",
                "task_version": "v",
                "empirical_policy": {"retries": 3, "retry_delay": [1, 2.5], "retry_jitter_factor": 0.5},
                "task_inputs": {
                    "a": [{"input_type": "task_run", "id": tasks[0]["id"]}],
                    "b": [{"input_type": "parameter", "name": "p"}, {"input_type": "constant", "type": "int"}],
                    "c": [],
                },
            },
        )
    )
    tasks.append(await _post(client, "/api/task_runs/", {"task_key": "orphan", "dynamic_key": "0"}))
    subflow = await _post(client, "/api/flow_runs/", {"flow_id": flow["id"], "parent_task_run_id": tasks[1]["id"]})
    runs.append(subflow)
    await _set_state(client, "flow_runs", parent["id"], {"type": "RUNNING"})
    await _set_state(client, "flow_runs", subflow["id"], {"type": "COMPLETED", "message": "done", "data": None})
    await _set_state(
        client,
        "flow_runs",
        runs[2]["id"],
        {"type": "PAUSED", "state_details": {"pause_timeout": "2040-01-01T00:00:00Z"}},
    )
    await _set_state(client, "flow_runs", runs[3]["id"], {"type": "FAILED", "name": "Boom", "message": "x"})
    await _set_state(client, "task_runs", tasks[0]["id"], {"type": "RUNNING"})
    await _set_state(client, "task_runs", tasks[1]["id"], {"type": "COMPLETED"})
    await _set_state(client, "task_runs", tasks[2]["id"], {"type": "CRASHED", "message": "gone"})
    # Stored forms no writer of this server leaves, which the model reads leniently: the
    # documents must come out as the model gives them (defaults, migrations, dropped keys).
    services = client.server.app[SERVICES]
    async with services.storage.write() as uow:
        await uow.flow_runs.update(
            runs[4]["id"],
            {"empirical_policy": {"max_retries": 4, "unknown": 1}, "created_by": {"type": "X"}, "total_run_time": 3},
        )
        await uow.task_runs.update(
            tasks[2]["id"], {"task_inputs": {"a": [{"id": tasks[0]["id"]}]}, "empirical_policy": {}}
        )
        s = tables.flow_run_state
        await uow.conn.execute(sa.update(s).where(s.c.run_id == uuid.UUID(runs[4]["id"])).values(state_details={}))
    return [r["id"] for r in runs], [t["id"] for t in tasks]


def _normal(doc: dict[str, Any]) -> dict[str, Any]:
    """Pause keys are a set in the model, whose JSON order is arbitrary."""
    policy = doc.get("empirical_policy")
    if isinstance(policy, dict) and isinstance(policy.get("pause_keys"), list):
        policy["pause_keys"] = sorted(policy["pause_keys"])
    return doc


def _by_id(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["id"]: _normal(doc) for doc in docs}


async def test_documents_are_the_models_json(client, monkeypatch: pytest.MonkeyPatch) -> None:
    flow_run_ids, task_run_ids = await _seed(client)
    services = client.server.app[SERVICES]
    monkeypatch.setattr(timeutil, "now", lambda: FROZEN)  # the estimates are taken at "now"

    for kind, service, ids, query in (
        ("flow_runs", services.flow_runs, flow_run_ids, FlowRunQuery()),
        ("task_runs", services.task_runs, task_run_ids, TaskRunQuery()),
    ):
        for run_id in ids:
            resp = await client.get(f"/api/{kind}/{run_id}")
            assert resp.status == 200
            answered = _normal(await resp.json())
            expected = _normal(orjson.loads(dumps(await service.read(run_id))))
            assert answered == expected, kind
            # The same JSON text too: keys in the model's order, `3.0` not `3` for a float field.
            assert orjson.dumps(answered) == orjson.dumps(expected), kind
        resp = await client.post(f"/api/{kind}/filter", json={})
        assert resp.status == 200
        answered_page = await resp.json()
        expected_page = orjson.loads(dumps(await service.filter(query)))
        assert [d["id"] for d in answered_page] == [d["id"] for d in expected_page]
        assert _by_id(answered_page) == _by_id(expected_page)
        assert set(_by_id(answered_page)) == set(ids)


async def test_documents_carry_what_was_seeded(client) -> None:
    """Spot checks that the comparison above compares something: the seeded values come out."""
    flow_run_ids, task_run_ids = await _seed(client)
    full = await (await client.get(f"/api/flow_runs/{flow_run_ids[1]}")).json()
    assert full["parameters"]["big"] == 1e20 and full["labels"]["b"] is False
    assert sorted(full["empirical_policy"]["pause_keys"]) == ["p1", "p2"]
    assert full["state"]["state_details"]["scheduled_time"] == "2020-01-01T00:00:00Z"
    assert full["estimated_start_time_delta"] > 0
    lenient = await (await client.get(f"/api/flow_runs/{flow_run_ids[4]}")).json()
    assert lenient["empirical_policy"]["retries"] == 4 and "unknown" not in lenient["empirical_policy"]
    assert lenient["created_by"] == {"id": None, "type": "X", "display_value": None}
    assert lenient["total_run_time"] == 3.0 and lenient["state"]["state_details"]["untrackable_result"] is False
    assert lenient["work_pool_name"] == "docs-pool" and lenient["work_queue_name"] == "other"
    subflow = await (await client.get(f"/api/flow_runs/{flow_run_ids[5]}")).json()
    assert subflow["parent_task_run_id"] == task_run_ids[1] and subflow["state"]["message"] == "done"
    cached = await (await client.get(f"/api/task_runs/{task_run_ids[3]}")).json()
    assert cached["cache_expiration"] == "2029-12-31T22:00:00.500000Z"
    assert cached["task_inputs"]["b"] == [
        {"input_type": "parameter", "name": "p"},
        {"input_type": "constant", "type": "int"},
    ]
    fixed = await (await client.get(f"/api/task_runs/{task_run_ids[2]}")).json()
    assert fixed["task_inputs"] == {"a": [{"input_type": "task_run", "id": task_run_ids[0]}]}
    assert fixed["empirical_policy"]["max_retries"] == 0
