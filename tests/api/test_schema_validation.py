"""JSON-schema validation where the reference validates: deployment parameters, job
variables against the work pool's template, paused runs' input, /ui/schemas/validate."""

from __future__ import annotations

import json
from typing import Any

INT_X = {
    "type": "object",
    "title": "Parameters",
    "properties": {"x": {"title": "x", "type": "integer", "position": 0}},
    "required": ["x"],
    "definitions": {},
}

#: The shape of a process pool's template: a few typed variables with defaults.
PROCESS_TEMPLATE = {
    "job_configuration": {"command": "{{ command }}", "stream_output": "{{ stream_output }}"},
    "variables": {
        "type": "object",
        "properties": {
            "command": {"title": "Command", "type": "string"},
            "stream_output": {"title": "Stream Output", "type": "boolean", "default": True},
            "working_dir": {"title": "Working Directory", "type": "string", "format": "path"},
        },
    },
}


async def _flow(client, name: str = "f") -> str:
    return (await (await client.post("/api/flows/", json={"name": name})).json())["id"]


async def _deployment(client, name: str = "d", **body: Any) -> dict:
    flow_id = await _flow(client)
    resp = await client.post("/api/deployments/", json={"name": name, "flow_id": flow_id, **body})
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _count_runs(client) -> int:
    return await (await client.post("/api/flow_runs/count", json={})).json()


async def test_run_parameters_are_checked_against_the_schema(client) -> None:
    dep = await _deployment(client, parameter_openapi_schema=INT_X, parameters={"x": 1})
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    bad = await client.post(url, json={"parameters": {"x": "not-an-int"}})
    assert bad.status == 409
    assert await bad.json() == {
        "detail": "Error creating flow run: Validation failed for field 'x'. "
        "Failure reason: 'not-an-int' is not of type 'integer'"
    }
    assert await _count_runs(client) == 0
    ok = await client.post(url, json={"parameters": {"x": 5}})
    assert ok.status == 201 and (await ok.json())["parameters"] == {"x": 5}
    # the run may turn enforcement off for itself
    unchecked = await client.post(url, json={"parameters": {"x": "abc"}, "enforce_parameter_schema": False})
    assert unchecked.status == 201


async def test_a_missing_required_parameter_is_refused_for_a_run(client) -> None:
    dep = await _deployment(client, parameter_openapi_schema=INT_X)  # required ones are not checked at create
    resp = await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json={})
    assert resp.status == 409
    assert (await resp.json())["detail"] == (
        "Error creating flow run: Validation failed. Failure reason: 'x' is a required property"
    )


async def test_an_optional_parameter_without_default_accepts_null(client) -> None:
    schema = {"type": "object", "properties": {"y": {"type": "string"}, "x": {"type": "integer"}}}
    dep = await _deployment(client, parameter_openapi_schema=schema)
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    assert (await client.post(url, json={"parameters": {"y": None, "x": 1}})).status == 201
    assert (await client.post(url, json={"parameters": {"y": 3}})).status == 409


async def test_nested_models_through_definitions(client) -> None:
    schema = {
        "type": "object",
        "properties": {"point": {"$ref": "#/definitions/Point", "position": 0}},
        "definitions": {
            "Point": {
                "title": "Point",
                "type": "object",
                "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                "required": ["x", "y"],
            }
        },
    }
    dep = await _deployment(client, parameter_openapi_schema=schema)
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    assert (await client.post(url, json={"parameters": {"point": {"x": 1, "y": 2}}})).status == 201
    bad = await client.post(url, json={"parameters": {"point": {"x": 1, "y": "two"}}})
    assert bad.status == 409
    assert "Validation failed for field 'point.y'" in (await bad.json())["detail"]


async def test_create_refuses_parameters_that_do_not_fit(client) -> None:
    flow_id = await _flow(client)
    body = {"name": "d", "flow_id": flow_id, "parameter_openapi_schema": INT_X, "parameters": {"x": "abc"}}
    resp = await client.post("/api/deployments/", json=body)
    assert resp.status == 422
    detail = (await resp.json())["exception_detail"]
    assert "Validation failed for field 'x'. Failure reason: 'abc' is not of type 'integer'" in detail[0]["msg"]
    # not enforced: stored as given
    unenforced = await client.post("/api/deployments/", json={**body, "enforce_parameter_schema": False})
    assert unenforced.status == 201
    not_a_schema = await client.post(
        "/api/deployments/", json={**body, "name": "e", "parameters": {}, "parameter_openapi_schema": {"type": 5}}
    )
    assert not_a_schema.status == 422
    assert "The provided schema is not a valid json schema" in (await not_a_schema.json())["exception_detail"][0]["msg"]


async def test_a_deployment_without_schema_reads_back_the_empty_one(client) -> None:
    dep = await _deployment(client)
    assert dep["parameter_openapi_schema"] == {"type": "object", "properties": {}}
    run = await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json={"parameters": {"any": "thing"}})
    assert run.status == 201


async def test_patch_checks_parameters_against_the_schema(client) -> None:
    dep = await _deployment(client, parameter_openapi_schema=INT_X, parameters={"x": 1})
    url = f"/api/deployments/{dep['id']}"
    bad = await client.patch(url, json={"parameters": {"x": "abc"}})
    assert bad.status == 409
    assert await bad.json() == {
        "detail": "Error updating deployment: Validation failed for field 'x'. "
        "Failure reason: 'abc' is not of type 'integer'"
    }
    assert (await (await client.get(url)).json())["parameters"] == {"x": 1}
    assert (await client.patch(url, json={"parameters": {"x": 2}})).status == 204
    # a new schema in the same PATCH is the one checked
    as_string = {"type": "object", "properties": {"x": {"type": "string"}}}
    assert (
        await client.patch(url, json={"parameters": {"x": "s"}, "parameter_openapi_schema": as_string})
    ).status == 204
    assert (await client.patch(url, json={"enforce_parameter_schema": False, "parameters": {"x": []}})).status == 204


async def test_bulk_runs_report_parameter_failures(client) -> None:
    dep = await _deployment(client, parameter_openapi_schema=INT_X)
    resp = await client.post(
        f"/api/deployments/{dep['id']}/create_flow_run/bulk",
        json=[{"parameters": {"x": 1}}, {"parameters": {"x": "a"}}],
    )
    results = (await resp.json())["results"]
    assert [r["status"] for r in results] == ["CREATED", "FAILED"]
    assert results[1]["error"] == (
        "Parameter validation failed: Validation failed for field 'x'. Failure reason: 'a' is not of type 'integer'"
    )


async def _process_pool(client, name: str = "pp") -> None:
    resp = await client.post(
        "/api/work_pools/", json={"name": name, "type": "process", "base_job_template": PROCESS_TEMPLATE}
    )
    assert resp.status == 201, await resp.text()


async def test_job_variables_are_checked_against_the_pool_template(client) -> None:
    await _process_pool(client)
    flow_id = await _flow(client)
    body = {"name": "d", "flow_id": flow_id, "work_pool_name": "pp"}
    bad = await client.post("/api/deployments/", json={**body, "job_variables": {"stream_output": "notabool"}})
    assert bad.status == 422
    assert await bad.json() == {
        "detail": "Error creating deployment: Validation failed for field 'stream_output'. "
        "Failure reason: 'notabool' is not valid under any of the given schemas"
    }
    assert await (await client.post("/api/deployments/count", json={})).json() == 0
    created = await client.post("/api/deployments/", json={**body, "job_variables": {"stream_output": False}})
    assert created.status == 201
    dep = await created.json()

    url = f"/api/deployments/{dep['id']}/create_flow_run"
    run_bad = await client.post(url, json={"job_variables": {"command": 5}})
    assert run_bad.status == 422
    assert await run_bad.json() == {
        "detail": "Error creating flow run: Validation failed for field 'command'. "
        "Failure reason: 5 is not valid under any of the given schemas"
    }
    assert (await client.post(url, json={"job_variables": {"command": "echo hi"}})).status == 201
    # unknown variables are allowed (the template does not forbid them), nulls for optional ones too
    assert (await client.post(url, json={"job_variables": {"extra": 1, "working_dir": None}})).status == 201

    patch = await client.patch(
        f"/api/deployments/{dep['id']}", json={"work_pool_name": "pp", "job_variables": {"stream_output": "no"}}
    )
    assert patch.status == 409
    assert await patch.json() == {
        "detail": "Error creating deployment: <ValidationError: \"'no' is not of type 'boolean'\">"
    }


async def test_required_job_variables_are_checked_for_runs_only(client) -> None:
    template = {
        "job_configuration": {"image": "{{ image }}", "cpu": "{{ cpu }}"},
        "variables": {
            "type": "object",
            "properties": {"image": {"type": "string"}, "cpu": {"type": "integer", "default": 1}},
            "required": ["image"],
        },
    }
    assert (
        await client.post("/api/work_pools/", json={"name": "k", "type": "k", "base_job_template": template})
    ).status == 201
    dep = await _deployment(client, work_pool_name="k", job_variables={"cpu": 2})
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    missing = await client.post(url, json={})
    assert missing.status == 422
    assert (await missing.json())["detail"] == (
        "Error creating flow run: Validation failed. Failure reason: 'image' is a required property"
    )
    assert (await client.post(url, json={"job_variables": {"image": "python"}})).status == 201


async def _paused_for_input(client, schema: dict | None) -> tuple[str, str]:
    flow_id = await _flow(client)
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow_id, "state": {"type": "RUNNING"}})).json()
    keyset = {"response": "k-response", "schema": "k-schema", "description": "k-description"}
    resp = await client.post(
        f"/api/flow_runs/{run['id']}/set_state",
        json={"state": {"type": "PAUSED", "state_details": {"pause_key": "k", "run_input_keyset": keyset}}},
    )
    assert (await resp.json())["status"] == "ACCEPT"
    if schema is not None:
        stored = await client.post(
            f"/api/flow_runs/{run['id']}/input", json={"key": "k-schema", "value": json.dumps(schema)}
        )
        assert stored.status == 201
    return run["id"], f"/api/flow_runs/{run['id']}/resume"


async def test_resume_refuses_input_that_does_not_fit_the_schema(client) -> None:
    schema = {
        "title": "Answer",
        "type": "object",
        "properties": {"n": {"title": "N", "type": "integer"}},
        "required": ["n"],
    }
    run_id, url = await _paused_for_input(client, schema)
    wrong = await (await client.post(url, json={"run_input": {"n": "seven"}})).json()
    assert wrong["status"] == "REJECT" and wrong["state"]["type"] == "PAUSED"
    assert wrong["details"] == {
        "type": "abort_details",
        "reason": "Reason: Validation failed for field 'n'. Failure reason: 'seven' is not of type 'integer'",
    }
    missing = await (await client.post(url, json={})).json()
    assert missing["status"] == "REJECT"
    assert missing["details"]["reason"] == "Reason: Validation failed. Failure reason: 'n' is a required property"
    run = await (await client.get(f"/api/flow_runs/{run_id}")).json()
    assert run["state"]["type"] == "PAUSED"
    assert (await client.get(f"/api/flow_runs/{run_id}/input/k-response")).status == 404

    good = await client.post(url, json={"run_input": {"n": 7}})
    assert good.status == 201 and (await good.json())["status"] == "ACCEPT"
    stored = await client.get(f"/api/flow_runs/{run_id}/input/k-response")
    assert json.loads(await stored.text()) == {"n": 7}


async def test_ui_schema_validation(client) -> None:
    url = "/api/ui/schemas/validate"
    schema = {
        "type": "object",
        "properties": {
            "x": {"type": "integer", "position": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "position": 1},
            "point": {"$ref": "#/definitions/Point"},
        },
        "required": ["x"],
        "definitions": {"Point": {"type": "object", "properties": {"y": {"type": "integer"}}, "required": ["y"]}},
    }
    ok = await client.post(url, json={"schema": schema, "values": {"x": 1, "tags": ["a"], "point": {"y": 1}}})
    assert ok.status == 200 and await ok.json() == {"errors": [], "valid": True}
    bad = await client.post(url, json={"schema": schema, "values": {"tags": ["a", 2], "point": {}}})
    assert bad.status == 200
    body = await bad.json()
    assert body["valid"] is False
    assert sorted(body["errors"], key=lambda e: e["property"]) == [
        {"property": "point", "errors": [{"property": "y", "errors": ["'y' is a required property"]}]},
        {"property": "tags", "errors": [{"index": 1, "errors": ["2 is not of type 'string'"]}]},
        {"property": "x", "errors": ["'x' is a required property"]},
    ]
    invalid = await client.post(url, json={"schema": {"type": "nope"}, "values": {}})
    assert invalid.status == 422 and (await invalid.json())["detail"].startswith("Invalid schema: ")
    circular = {
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/A"}},
        "definitions": {"A": {"$ref": "#/definitions/A"}},
    }
    loop = await client.post(url, json={"schema": circular, "values": {"a": 1}})
    assert loop.status == 422
    assert await loop.json() == {"detail": "Invalid schema: Unable to validate schema with circular references."}
    assert (await client.post(url, json={"values": {}})).status == 422


async def test_form_placeholders_are_hydrated_before_validation(client) -> None:
    schema = {
        "type": "object",
        "properties": {"xs": {"type": "array", "items": {"type": "integer"}}, "x": {"type": "integer"}},
    }
    dep = await _deployment(client, parameter_openapi_schema=schema)
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    as_json = {"xs": {"__prefect_kind": "json", "value": "[1, 2]"}, "x": {"__prefect_kind": "none", "value": 3}}
    run = await client.post(url, json={"parameters": as_json})
    assert run.status == 201 and (await run.json())["parameters"] == {"xs": [1, 2], "x": 3}
    bad_json = await client.post(url, json={"parameters": {"xs": {"__prefect_kind": "json", "value": "[1,"}}})
    assert bad_json.status == 400
    assert (await bad_json.json())["detail"].startswith("Error hydrating flow run parameters: Invalid JSON: ")
    wrong_type = await client.post(url, json={"parameters": {"xs": {"__prefect_kind": "json", "value": '["a"]'}}})
    assert wrong_type.status == 409
    patched = await client.patch(f"/api/deployments/{dep['id']}", json={"parameters": as_json})
    assert patched.status == 204
    assert (await (await client.get(f"/api/deployments/{dep['id']}")).json())["parameters"] == {"xs": [1, 2], "x": 3}


async def test_resume_hydrates_the_input(client) -> None:
    schema = {
        "type": "object",
        "properties": {"ns": {"type": "array", "items": {"type": "integer"}}},
        "required": ["ns"],
    }
    run_id, url = await _paused_for_input(client, schema)
    bad = await (await client.post(url, json={"run_input": {"ns": {"__prefect_kind": "json", "value": "nope"}}})).json()
    assert bad["status"] == "REJECT" and bad["details"]["reason"].startswith("Error hydrating run input: Invalid JSON")
    good = await client.post(url, json={"run_input": {"ns": {"__prefect_kind": "json", "value": "[4, 5]"}}})
    assert (await good.json())["status"] == "ACCEPT"
    assert json.loads(await (await client.get(f"/api/flow_runs/{run_id}/input/k-response")).text()) == {"ns": [4, 5]}


async def test_ui_validation_reports_placeholders_that_cannot_be_hydrated(client) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "array"}}, "required": ["a"]}
    values = {"a": {"__prefect_kind": "json", "value": "{oops"}, "b": {"__prefect_kind": "json", "value": "[1]"}}
    body = await (await client.post("/api/ui/schemas/validate", json={"schema": schema, "values": values})).json()
    assert body["valid"] is False
    [entry] = body["errors"]
    assert entry["property"] == "a" and len(entry["errors"]) == 1 and entry["errors"][0].startswith("Invalid JSON: ")
    fine = {"a": {"__prefect_kind": "json", "value": "7"}, "b": {"__prefect_kind": "json", "value": "[1]"}}
    assert (await (await client.post("/api/ui/schemas/validate", json={"schema": schema, "values": fine})).json())[
        "valid"
    ]


async def test_a_pool_template_must_declare_its_variables_and_fit_its_defaults(client) -> None:
    url = "/api/work_pools/"
    half = await client.post(url, json={"name": "a", "type": "t", "base_job_template": {"job_configuration": {"x": 1}}})
    assert half.status == 422
    assert "must contain both a `job_configuration` key and a `variables` key" in str(await half.json())
    undeclared = {"job_configuration": {"cmd": "{{ command }} {{ env }}"}, "variables": {"properties": {"command": {}}}}
    resp = await client.post(url, json={"name": "b", "type": "t", "base_job_template": undeclared})
    assert resp.status == 422 and "undeclared variable(s): env" in str(await resp.json())
    bad_default = {
        "job_configuration": {"n": "{{ n }}"},
        "variables": {"type": "object", "properties": {"n": {"type": "integer", "default": "many"}}},
    }
    resp = await client.post(url, json={"name": "c", "type": "t", "base_job_template": bad_default})
    assert resp.status == 422
    assert (await resp.json())["detail"] == (
        "Validation failed for work pool's job variable defaults: Validation failed for field 'n'. "
        "Failure reason: 'many' is not valid under any of the given schemas"
    )
    assert (await client.post("/api/work_pools/count", json={})).status == 200
    assert await (await client.post("/api/work_pools/count", json={})).json() == 0
    patch = await client.post(url, json={"name": "d", "type": "t", "base_job_template": PROCESS_TEMPLATE})
    assert patch.status == 201
    assert (await client.patch("/api/work_pools/d", json={"base_job_template": {"variables": {}}})).status == 422


async def test_workspace_variables_in_placeholders(client) -> None:
    created = await client.post("/api/variables/", json={"name": "retries", "value": 4})
    assert created.status == 201, await created.text()
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    dep = await _deployment(client, parameter_openapi_schema=schema)
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    ref = {"__prefect_kind": "workspace_variable", "variable_name": "retries"}
    run = await client.post(url, json={"parameters": {"n": ref}})
    assert run.status == 201 and (await run.json())["parameters"] == {"n": 4}
    missing = await client.post(url, json={"parameters": {"n": {**ref, "variable_name": "nope"}}})
    assert missing.status == 400
    assert await missing.json() == {
        "detail": "Error hydrating flow run parameters: Variable 'nope' not found in workspace."
    }
    values = {"n": {**ref, "variable_name": "nope"}}
    report = await (await client.post("/api/ui/schemas/validate", json={"schema": schema, "values": values})).json()
    assert report == {
        "errors": [{"property": "n", "errors": ["Variable 'nope' not found in workspace."]}],
        "valid": False,
    }
    good = await client.post("/api/ui/schemas/validate", json={"schema": schema, "values": {"n": ref}})
    assert (await good.json())["valid"] is True
