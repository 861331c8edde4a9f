"""Jinja placeholders in parameters (what the UI's forms send for a templated value) are
rendered where the reference renders them: a run made from a deployment, a deployment's
PATCH, a paused run's input; `/ui/schemas/validate` only checks them."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(60)

STRING_GREETING = {"type": "object", "properties": {"greeting": {"type": "string"}, "n": {"type": "integer"}}}


def _jinja(template: Any) -> dict[str, Any]:
    return {"__prefect_kind": "jinja", "template": template}


async def _deployment(client, **body: Any) -> dict:
    flow_id = (await (await client.post("/api/flows/", json={"name": "f"})).json())["id"]
    resp = await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id, **body})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_a_run_from_a_deployment_renders_its_templates(client) -> None:
    # (A deployment's own parameters are checked against its schema unhydrated, as in the reference.)
    dep = await _deployment(
        client, parameter_openapi_schema=STRING_GREETING, enforce_parameter_schema=False, parameters={"n": 2}
    )
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    body = {"parameters": {"greeting": _jinja("hi {{ 'there' | upper }} {{ unknown }}!"), "n": 3}}
    made = await client.post(url, json=body)
    assert made.status == 201, await made.text()
    assert (await made.json())["parameters"] == {"greeting": "hi THERE !", "n": 3}

    bad = await client.post(url, json={"parameters": {"greeting": _jinja("{{ 1 / 0 }}")}})
    assert bad.status == 400
    assert await bad.json() == {
        "detail": "Error hydrating flow run parameters: Invalid jinja: Failed to render template due to the "
        "following error: ZeroDivisionError('division by zero')"
    }
    unparsable = await client.post(url, json={"parameters": {"greeting": _jinja("{{ oops")}})
    assert unparsable.status == 400
    assert (await unparsable.json())["detail"].startswith("Error hydrating flow run parameters: Invalid jinja: ")
    assert await (await client.post("/api/flow_runs/count", json={})).json() == 1


async def test_a_rendered_template_is_checked_against_the_schema(client) -> None:
    dep = await _deployment(client, parameter_openapi_schema=STRING_GREETING)
    url = f"/api/deployments/{dep['id']}/create_flow_run"
    # It renders to a string, which an integer parameter refuses (as in the reference).
    refused = await client.post(url, json={"parameters": {"n": _jinja("{{ 1 + 1 }}")}})
    assert refused.status == 409
    detail = (await refused.json())["detail"]
    assert detail.startswith("Error creating flow run: Validation failed for field 'n'. Failure reason: '2' "), detail


async def test_patch_and_bulk_runs_render_templates(client) -> None:
    dep = await _deployment(client, parameter_openapi_schema=STRING_GREETING)
    patched = await client.patch(
        f"/api/deployments/{dep['id']}", json={"parameters": {"greeting": _jinja("{{ 6 * 7 }}")}}
    )
    assert patched.status == 204, await patched.text()
    assert (await (await client.get(f"/api/deployments/{dep['id']}")).json())["parameters"] == {"greeting": "42"}
    bad_patch = await client.patch(f"/api/deployments/{dep['id']}", json={"parameters": {"greeting": _jinja("{%")}})
    assert bad_patch.status == 400
    assert (await bad_patch.json())["detail"].startswith("Error hydrating deployment parameters: Invalid jinja: ")

    bulk = await client.post(
        f"/api/deployments/{dep['id']}/create_flow_run/bulk",
        json=[{"parameters": {"greeting": _jinja("{{ 'ok' }}")}}, {"parameters": {"greeting": _jinja("{{ 1 / 0 }}")}}],
    )
    first, second = (await bulk.json())["results"]
    assert first["status"] == "CREATED"
    run = await (await client.get(f"/api/flow_runs/{first['flow_run_id']}")).json()
    assert run["parameters"] == {"greeting": "ok"}
    assert second == {
        "flow_run_id": None,
        "status": "FAILED",
        "error": "Invalid jinja: Failed to render template due to the following error: ZeroDivisionError('division by zero')",
    }


async def test_resume_renders_the_inputs_templates(client) -> None:
    flow_id = (await (await client.post("/api/flows/", json={"name": "f"})).json())["id"]
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow_id, "state": {"type": "RUNNING"}})).json()
    keyset = {"response": "k-response", "schema": "k-schema", "description": "k-description"}
    paused = {"type": "PAUSED", "state_details": {"pause_key": "k", "run_input_keyset": keyset}}
    assert (await (await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": paused})).json())[
        "status"
    ] == "ACCEPT"
    schema = {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}
    await client.post(f"/api/flow_runs/{run['id']}/input", json={"key": "k-schema", "value": json.dumps(schema)})
    url = f"/api/flow_runs/{run['id']}/resume"
    bad = await (await client.post(url, json={"run_input": {"word": _jinja("{{ [].append(1) }}")}})).json()
    assert bad["status"] == "REJECT"
    assert bad["details"]["reason"].startswith("Error hydrating run input: Invalid jinja: Failed to render template")
    good = await client.post(url, json={"run_input": {"word": _jinja("{{ 'yes' ~ '!' }}")}})
    assert (await good.json())["status"] == "ACCEPT"
    stored = await (await client.get(f"/api/flow_runs/{run['id']}/input/k-response")).text()
    assert json.loads(stored) == {"word": "yes!"}


async def test_ui_validation_checks_templates_without_rendering_them(client) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}}, "required": ["n"]}
    url = "/api/ui/schemas/validate"
    # A valid template stands for any value, whatever its type would be.
    fine = await (await client.post(url, json={"schema": schema, "values": {"n": _jinja("{{ 1 }}")}})).json()
    assert fine == {"errors": [], "valid": True}
    values = {"n": 1, "s": _jinja("{% for %}")}
    bad = await (await client.post(url, json={"schema": schema, "values": values})).json()
    # (what the reference answers, word for word)
    assert bad == {
        "errors": [
            {"property": "s", "errors": ["Invalid jinja: Expected an expression, got 'end of statement block'"]}
        ],
        "valid": False,
    }
