"""Fixtures of the browser tests: one chromium per module, and per backend one server
with the data of `ui_data` made by the real client (shared by every browser test module)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import ui_data as data_script
from tests.browser.support import ARTIFACTS, CHROMIUM, PageLog, require_chromium, watch
from tests.conformance.support import ClientRunner, client_env
from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium (never a downloaded build), started once per module. Not once per
    session: playwright's sync API keeps an event loop set on this thread while it runs,
    and the async tests of other modules could not start their own."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def ui_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    require_chromium()
    workdir = tmp_path_factory.mktemp(f"ui-server-{backend}")
    process = start_server(backend_env(backend, workdir, request), workdir, timeout=90.0)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def ui_data(ui_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Flows, a deployment under a process pool, concurrency limits and an event, made by the client."""
    workdir = tmp_path_factory.mktemp("ui-data")
    runner = ClientRunner(workdir, client_env(ui_server.api_url, workdir / "home"))
    return data_script.settle(ui_server.api_url, data_script.make(runner))


@pytest.fixture
def ui_base(ui_server: ServerProcess) -> str:
    return f"http://127.0.0.1:{ui_server.port}"


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def ui_page(chromium: Any, ui_base: str, page_log: PageLog, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page (UTC, a desktop viewport) whose API calls go to `page_log`;
    a failing test leaves a screenshot `failed-<test>.png`."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch(page, ui_base, page_log)
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
            page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=True)
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
