"""A triggered automation's actions run concurrently, as the reference's action consumers run
them: a webhook that hangs holds up neither the webhook after it nor the recorded outcomes."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from tests.api.test_automation_webhooks import _block, _fire, server_env  # noqa: F401

pytestmark = pytest.mark.timeout(60)

#: How long the slow receiver waits for the fast call before it gives up (under the 30 s webhook timeout).
HANG_SECONDS = 15


async def test_a_hanging_webhook_does_not_delay_the_next_action(client, aiohttp_server) -> None:
    fast_arrived = asyncio.Event()
    bodies: list[str] = []

    async def slow(request: web.Request) -> web.Response:
        # Answers only once the second action's call arrived (or after HANG_SECONDS): actions
        # run one after another would make it wait out the whole delay.
        try:
            await asyncio.wait_for(fast_arrived.wait(), HANG_SECONDS)
            return web.Response(text="released by the second action")
        except TimeoutError:
            return web.Response(text="waited alone")

    async def fast(request: web.Request) -> web.Response:
        bodies.append(await request.text())
        fast_arrived.set()
        return web.Response(text="fast")

    app = web.Application()
    app.router.add_post("/slow", slow)
    app.router.add_post("/fast", fast)
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    slow_hook = await _block(client, "webhook", {"url": f"{base}/slow"})
    fast_hook = await _block(client, "webhook", {"url": f"{base}/fast"})

    fired = await _fire(
        client,
        [
            {"type": "call-webhook", "block_document_id": slow_hook},
            {"type": "call-webhook", "block_document_id": fast_hook, "payload": "n={{ event.payload.n }}"},
            {"type": "call-webhook", "block_document_id": "00000000-0000-0000-0000-000000000000"},
        ],
    )
    outcomes = fired["outcomes"]
    assert [e["payload"]["action_index"] for e in outcomes] == [0, 1, 2]
    assert [e["event"] for e in outcomes] == [
        "prefect.automation.action.executed",
        "prefect.automation.action.executed",
        "prefect.automation.action.failed",
    ]
    assert outcomes[0]["payload"]["response_body"] == "released by the second action"
    assert outcomes[1]["payload"]["response_body"] == "fast" and bodies == ["n=3"]
    assert outcomes[2]["payload"]["reason"] == "Unexpected status from 'call-webhook' action: 404"
    # Each action still announced itself once, before its outcome.
    announced = [e for e in fired["all"] if e["event"] == "prefect.automation.action.triggered"]
    assert sorted(e["payload"]["action_index"] for e in announced) == [0, 1, 2]
