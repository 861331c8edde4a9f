"""PREFECT_SERVER_API_AUTH_STRING: HTTP Basic on the REST API, tokens on the websockets."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from prefect_core.settings import Settings
from prefect_http.app import create_app

pytestmark = pytest.mark.timeout(60)

SECRET = "admin:s3cret-päss"
UNAUTHORIZED = {"exception_message": "Unauthorized"}


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


@pytest.fixture
async def guarded(settings: Settings, aiohttp_client):  # type: ignore[no-untyped-def]
    secured = settings.model_copy(
        update={"api_auth_string": Settings.from_env({"PREFECT_SERVER_API_AUTH_STRING": SECRET}).api_auth_string}
    )
    return await aiohttp_client(create_app(secured))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("admin:wrong"),
        basic(SECRET + "x"),
        {"Authorization": "Bearer " + SECRET},
        {"Authorization": "Basic not-base64!!"},
        {"Authorization": "Basic"},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe").decode()},
    ],
)
async def test_requests_without_the_credentials_get_401(guarded, headers: dict[str, str]) -> None:
    for method, path in (
        ("GET", "/api/flows/00000000-0000-0000-0000-000000000000"),
        ("POST", "/api/flows/"),
        ("POST", "/api/flows/filter"),
        ("GET", "/api/admin/version"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/nope"),
        ("HEAD", "/api/health"),
    ):
        resp = await guarded.request(method, path, headers=headers, json={"name": "f"} if method == "POST" else None)
        assert resp.status == 401, (method, path)
        if method != "HEAD":
            assert await resp.json() == UNAUTHORIZED
    # nothing was created by the refused POST
    assert await (await guarded.post("/api/flows/count", json={}, headers=basic(SECRET))).json() == 0


async def test_the_right_credentials_pass(guarded) -> None:
    resp = await guarded.post("/api/flows/", json={"name": "auth-flow"}, headers=basic(SECRET))
    assert resp.status == 201
    flow = await resp.json()
    resp = await guarded.get(f"/api/flows/{flow['id']}", headers=basic(SECRET))
    assert resp.status == 200 and (await resp.json())["name"] == "auth-flow"


async def test_probes_and_the_ui_stay_open(guarded) -> None:
    assert (await guarded.get("/api/health")).status == 200
    assert (await guarded.get("/api/ready")).status == 200
    body = await (await guarded.get("/ui-settings")).json()
    assert body["auth"] == "BASIC"
    assert (await guarded.get("/api/health/")).status == 401  # exact paths only


async def _handshake(client, path: str, token: object) -> aiohttp.ClientWebSocketResponse:  # type: ignore[no-untyped-def]
    ws = await client.ws_connect(path, protocols=("prefect",))
    await ws.send_json({"type": "auth", "token": token})
    return ws


@pytest.mark.parametrize("path", ["/api/events/in", "/api/events/out", "/api/task_runs/subscriptions/scheduled"])
async def test_websockets_need_the_token(guarded, path: str) -> None:
    ws = await _handshake(guarded, path, SECRET)
    assert await ws.receive_json(timeout=5) == {"type": "auth_success"}
    await ws.close()
    for token, reason in (
        ("nope", "Invalid token"),
        (None, "Auth required but no token provided"),
        (123, "Invalid token"),
    ):
        ws = await _handshake(guarded, path, token)
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1008, token
        assert msg.extra == reason
    # an old client without the subprotocol has no way to authenticate: refused before the upgrade
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await guarded.ws_connect(path)
    assert refused.value.status == 403


async def test_worker_channel_names_its_own_reason(guarded) -> None:
    pool = "auth-pool"
    resp = await guarded.post("/api/work_pools/", json={"name": pool, "type": "process"}, headers=basic(SECRET))
    assert resp.status == 201
    ws = await _handshake(guarded, f"/api/work_pools/{pool}/workers/connect", "wrong")
    msg = await ws.receive(timeout=5)
    assert ws.close_code == 1008 and msg.extra == "authentication_failed"


async def test_without_an_auth_string_any_token_is_accepted(client) -> None:
    ws = await _handshake(client, "/api/events/in", "whatever")
    assert await ws.receive_json(timeout=5) == {"type": "auth_success"}
    await ws.close()
    legacy = await client.ws_connect("/api/events/in")  # no subprotocol: legacy mode
    assert legacy.protocol is None
    await legacy.close()
