"""Templates written to exhaust the server (huge strings, long nested loops, a string doubled
in a loop) are refused with the reference's template error while the server keeps answering:
they render in a worker process with CPU, memory and time limits (`render_pool`), never on
the event loop. Ordinary templates still render, also after a worker was killed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.test_automation_webhooks import Receiver, _block, _fire, receiver, server_env  # noqa: F401

pytestmark = pytest.mark.timeout(120)

HUGE_STRING = "{{ 'a' * 10**10 }}"
HUGE_CENTER = "{{ ''.center(10**9) }}"
LONG_LOOPS = "{% for i in 'x' * 100000 %}{% for j in 'x' * 100000 %}{{ '' }}{% endfor %}{% endfor %}"
DOUBLED = "{% set ns = namespace(s='a') %}{% for i in 'x' * 64 %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
HOSTILE = [HUGE_STRING, HUGE_CENTER, LONG_LOOPS, DOUBLED]
#: What the worker reports for each (the exception the template's error reads as).
LIMIT_HIT = ("MemoryError(", "TimeoutError(")

RENDER_FAILED = (
    "Error hydrating flow run parameters: Invalid jinja: Failed to render template due to the following error: "
)


def _jinja(template: str) -> dict[str, Any]:
    return {"__prefect_kind": "jinja", "template": template}


async def _deployment(client, parameters: dict[str, Any] | None = None, name: str = "d") -> str:
    flow_id = (await (await client.post("/api/flows/", json={"name": "f"})).json())["id"]
    body = {"name": name, "flow_id": flow_id, "parameters": parameters or {}}
    resp = await client.post("/api/deployments/", json=body)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


@pytest.mark.parametrize("template", HOSTILE, ids=["huge-string", "huge-center", "long-loops", "doubled"])
async def test_a_hostile_parameter_template_is_refused_and_the_server_keeps_answering(client, template: str) -> None:
    deployment_id = await _deployment(client)
    url = f"/api/deployments/{deployment_id}/create_flow_run"
    hostile = asyncio.ensure_future(client.post(url, json={"parameters": {"x": _jinja(template)}}))
    health = await client.get("/api/health")
    assert health.status == 200 and await health.json() is True
    # A write goes through meanwhile: the request's templates render before its transaction opens.
    written = await client.post("/api/flows/", json={"name": "written-meanwhile"})
    assert written.status == 201
    if template == LONG_LOOPS:
        # Seconds of CPU in the worker: the loop answered (and wrote) while the render was still running.
        assert not hostile.done()
    refused = await hostile
    assert refused.status == 400, await refused.text()
    detail = (await refused.json())["detail"]
    assert detail.startswith(RENDER_FAILED), detail
    assert detail.removeprefix(RENDER_FAILED).startswith(LIMIT_HIT), detail
    assert await (await client.post("/api/flow_runs/count", json={})).json() == 0

    # The pool replaced what it killed: an ordinary template renders as before.
    made = await client.post(url, json={"parameters": {"x": _jinja("{{ 6 * 7 }} {{ 'ok' | upper }}")}})
    assert made.status == 201, await made.text()
    assert (await made.json())["parameters"] == {"x": "42 OK"}


async def test_a_hostile_template_stored_in_the_deployment_holds_no_write(client) -> None:
    # A POST of a deployment stores its placeholders as given; they render when a run is made
    # from it, outside the run's write transaction (the first attempt leaves it to render).
    deployment_id = await _deployment(client, {"x": _jinja(LONG_LOOPS), "y": _jinja("{{ 1 + 1 }}")})
    url = f"/api/deployments/{deployment_id}/create_flow_run"
    hostile = asyncio.ensure_future(client.post(url, json={}))
    assert (await client.get("/api/health")).status == 200
    await asyncio.sleep(1.0)  # lets the request reach its render (seconds of CPU) before the write
    written = await client.post("/api/flows/", json={"name": "written-meanwhile"})
    assert written.status == 201
    assert not hostile.done()
    refused = await hostile
    assert refused.status == 400, await refused.text()
    assert (await refused.json())["detail"].startswith(RENDER_FAILED)
    assert await (await client.post("/api/flow_runs/count", json={})).json() == 0

    fine = await _deployment(client, {"y": _jinja("{{ 1 + 1 }}")}, name="fine")
    made = await client.post(f"/api/deployments/{fine}/create_flow_run", json={"parameters": {"z": 3}})
    assert made.status == 201, await made.text()
    assert (await made.json())["parameters"] == {"y": "2", "z": 3}


async def test_hostile_action_templates_fail_their_actions(client, receiver: Receiver) -> None:  # noqa: F811
    deployment_id = await _deployment(client)
    hook = await _block(client, "webhook", {"url": f"{receiver.base}/hook"})
    actions = [
        {"type": "run-deployment", "source": "selected", "deployment_id": deployment_id, "parameters": {"x": DOUBLED}},
        {"type": "call-webhook", "block_document_id": hook, "payload": LONG_LOOPS},
        {"type": "call-webhook", "block_document_id": hook, "payload": "n={{ event.payload.n }}"},
    ]
    fired = await _fire(client, actions)
    outcomes = fired["outcomes"]
    assert [e["event"] for e in outcomes] == [
        "prefect.automation.action.failed",
        "prefect.automation.action.failed",
        "prefect.automation.action.executed",
    ], [e["payload"] for e in outcomes]
    for failed in outcomes[:2]:
        reason = failed["payload"]["reason"]
        assert reason.removeprefix("Template rendering failed: ").startswith(LIMIT_HIT), reason
    assert [got["body"] for got in receiver.got] == ["n=3"]  # only the ordinary payload was sent
    assert await (await client.post("/api/flow_runs/count", json={})).json() == 0
