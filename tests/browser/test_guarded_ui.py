"""The V2 UI against a server with authentication and CSRF protection both on: the login
form refuses a wrong password and lets the right one in, and then a change made in the UI
(pausing a work pool) carries the credentials and a CSRF token, so it is stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.support import ARTIFACTS, PageLog, require_chromium, watch
from tests.conformance.support import eventually
from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SECRET = "ui-user:" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def guarded_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    require_chromium()
    workdir = tmp_path_factory.mktemp(f"guarded-ui-{backend}")
    env = {
        **backend_env(backend, workdir, request),
        "PREFECT_SERVER_API_AUTH_STRING": SECRET,
        "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true",
    }
    process = start_server(env, workdir, timeout=90.0)
    try:
        yield process
    finally:
        process.stop()


def _api(server: ServerProcess) -> httpx.Client:
    """A client of the guarded API, as the Python client is: credentials and a CSRF token."""
    user, password = SECRET.split(":", 1)
    api = httpx.Client(base_url=server.api_url, timeout=30, auth=(user, password))
    client_id = str(uuid.uuid4())
    token = api.get("/csrf-token", params={"client": client_id}).json()["token"]
    api.headers.update({"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": client_id})
    return api


def test_login_then_pause_a_work_pool(chromium: Any, guarded_server: ServerProcess, backend: str) -> None:
    from playwright.sync_api import expect

    base = f"http://127.0.0.1:{guarded_server.port}"
    pool = f"guarded-{uuid.uuid4().hex[:8]}"
    api = _api(guarded_server)
    try:
        assert api.post("/work_pools/", json={"name": pool, "type": "process"}).status_code == 201
        settings = httpx.get(f"{base}/ui-settings").json()
        assert settings["auth"] == "BASIC" and settings["csrf_enabled"] is True
        # Without credentials the API is closed to the browser too.
        assert httpx.get(f"{guarded_server.api_url}/work_pools/{pool}").status_code == 401

        context = chromium.new_context(viewport={"width": 1400, "height": 900}, timezone_id="UTC")
        page = context.new_page()
        page.set_default_timeout(20_000)
        before_login = PageLog()
        watch(page, base, before_login)
        sent: list[tuple[str, str, dict[str, str]]] = []
        page.on("request", lambda r: sent.append((r.method, urlsplit(r.url).path, r.headers)))
        try:
            page.goto(f"{base}/v2/dashboard", wait_until="networkidle")
            password = page.get_by_placeholder("admin:pass")
            expect(password).to_be_visible()
            password.fill("ui-user:wrong")
            page.get_by_role("button", name="Login").click()
            expect(page.get_by_text("Invalid credentials")).to_be_visible()
            assert [c.status for c in before_login.failed if c.path == "/api/admin/version"] == [401]

            password.fill(SECRET)
            page.get_by_role("button", name="Login").click()
            expect(page.get_by_placeholder("admin:pass")).to_have_count(0)
            page.wait_for_load_state("networkidle")

            after_login = PageLog()
            watch(page, base, after_login)
            page.goto(f"{base}/v2/work-pools/work-pool/{pool}", wait_until="networkidle")
            page.get_by_role("switch", name="Pause work pool").first.click()

            def status() -> str:
                return str(api.get(f"/work_pools/{pool}").json()["status"])

            assert eventually(status, lambda got: got == "PAUSED") == "PAUSED"
            expect(page.get_by_role("switch", name="Resume work pool").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ARTIFACTS / f"interaction-guarded-pause-{backend}.png"))
        finally:
            context.close()
    finally:
        api.close()
    assert after_login.api_calls > 0
    assert not after_login.page_errors, after_login.page_errors
    assert not after_login.failed, [vars(call) for call in after_login.failed]
    assert not before_login.page_errors, before_login.page_errors
    # The pause was a state-changing request: it carried the credentials and a token the UI fetched.
    assert any(path == "/api/csrf-token" for _, path, _ in sent)
    changes = [headers for method, path, headers in sent if method == "PATCH" and path == f"/api/work_pools/{pool}"]
    assert changes, sent
    assert all(h.get("prefect-csrf-token") and h.get("prefect-csrf-client") for h in changes)
    assert all(h.get("authorization", "").startswith("Basic ") for h in changes)
