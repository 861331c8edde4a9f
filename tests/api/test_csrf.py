"""PREFECT_SERVER_CSRF_PROTECTION_ENABLED: tokens from /csrf-token, checked on every state change."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from prefect_core import timeutil
from prefect_core.settings import Settings
from prefect_http.app import create_app
from prefect_http.keys import STORAGE


def with_csrf(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(update={"csrf_protection_enabled": True, **update})


@pytest.fixture
async def protected(settings: Settings, aiohttp_client):  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(with_csrf(settings)))


async def issue(client, name: str) -> dict:  # type: ignore[no-untyped-def]
    resp = await client.get("/api/csrf-token", params={"client": name})
    assert resp.status == 200
    return await resp.json()


def headers(token: str, client: str) -> dict[str, str]:
    return {"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": client}


async def test_a_token_is_issued_for_an_hour(protected) -> None:
    before = timeutil.now()
    token = await issue(protected, "client-1")
    assert set(token) == {"id", "created", "updated", "token", "client", "expiration"}
    assert re.fullmatch(r"[0-9a-f]{64}", token["token"]) and token["client"] == "client-1"
    expiration = timeutil.parse(token["expiration"])
    assert before + dt.timedelta(hours=1) <= expiration <= timeutil.now() + dt.timedelta(hours=1)


async def test_state_changes_need_a_valid_token(protected) -> None:
    async def create(extra: dict[str, str]) -> tuple[int, dict]:
        resp = await protected.post("/api/flows/", json={"name": "csrf-flow"}, headers=extra)
        return resp.status, await resp.json()

    assert await create({}) == (403, {"detail": "Missing CSRF token."})
    assert await create({"Prefect-Csrf-Token": "x"}) == (403, {"detail": "Missing client identifier."})
    token = (await issue(protected, "client-a"))["token"]
    invalid = (403, {"detail": "Invalid CSRF token or client identifier."})
    assert await create(headers("0" * 64, "client-a")) == invalid
    assert await create(headers(token, "client-b")) == invalid  # someone else's client id
    assert await create(headers(token, "x" * 5000)) == invalid
    assert await (await protected.post("/api/flows/count", json={}, headers=headers(token, "client-a"))).json() == 0
    status, flow = await create(headers(token, "client-a"))
    assert status == 201 and flow["name"] == "csrf-flow"
    for method in ("PATCH", "DELETE"):
        resp = await protected.request(method, f"/api/flows/{flow['id']}", json={"tags": []})
        assert resp.status == 403, method
    # reads need no token
    assert (await protected.get(f"/api/flows/{flow['id']}")).status == 200


async def test_a_new_token_replaces_the_old_one(protected) -> None:
    old = (await issue(protected, "client-r"))["token"]
    new = (await issue(protected, "client-r"))["token"]
    assert old != new
    assert (await protected.post("/api/flows/", json={"name": "r"}, headers=headers(old, "client-r"))).status == 403
    assert (await protected.post("/api/flows/", json={"name": "r"}, headers=headers(new, "client-r"))).status == 201


async def test_expired_tokens_are_refused_and_swept(settings: Settings, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(with_csrf(settings, csrf_token_expiration=dt.timedelta(seconds=-1))))
    token = (await issue(client, "late"))["token"]
    resp = await client.post("/api/flows/", json={"name": "late"}, headers=headers(token, "late"))
    assert resp.status == 403
    await issue(client, "other")  # each issue deletes the expired ones
    async with client.app[STORAGE].read() as uow:
        assert await uow.csrf_tokens.digest_for("late", timeutil.now() - dt.timedelta(days=1)) is None


async def test_only_a_digest_is_stored(protected) -> None:
    token = (await issue(protected, "digest"))["token"]
    async with protected.app[STORAGE].read() as uow:
        stored = await uow.csrf_tokens.digest_for("digest", timeutil.now())
    assert stored is not None and stored != token and token not in stored


async def test_bad_client_identifiers_are_422(protected) -> None:
    resp = await protected.get("/api/csrf-token")
    assert resp.status == 422 and (await resp.json())["exception_detail"][0]["loc"] == ["query", "client"]
    for bad in ("x" * 256, "a\x00b"):
        resp = await protected.get("/api/csrf-token", params={"client": bad})
        assert resp.status == 422
