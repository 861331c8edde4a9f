"""Fixtures for the conformance tests: one server subprocess per test module and backend.

Every test uses unique flow names, so a module's tests share one server and database.

To check an expectation against the reference server instead of ours, start
`prefect server start` yourself and run with `PREFECT_CONFORMANCE_API_URL=http://HOST:PORT/api`
(the backend parameter is then ignored: the tests talk to that server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.support import Api, ClientRunner, ConformanceServer, client_env
from tests.conftest import backend_env
from tests.support.server import start_server

EXTERNAL_API_URL = os.environ.get("PREFECT_CONFORMANCE_API_URL")


@pytest.fixture(scope="module")
def conformance_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ConformanceServer]:
    if EXTERNAL_API_URL:
        yield ConformanceServer(EXTERNAL_API_URL.rstrip("/"), None)
        return
    workdir = tmp_path_factory.mktemp(f"server-{backend}")
    process = start_server(backend_env(backend, workdir, request), workdir, timeout=60.0)
    try:
        yield ConformanceServer(process.api_url, process)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def api(conformance_server: ConformanceServer) -> Iterator[Api]:
    client = Api(conformance_server.api_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def client_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="module")
def prefect(conformance_server: ConformanceServer, client_home: Path) -> ClientRunner:
    """Runs flow scripts with the pinned prefect client against the server under test."""
    return ClientRunner(client_home, client_env(conformance_server.api_url, client_home))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("conformance_server")
    if report.failed and isinstance(server, ConformanceServer):
        report.sections.append(("server log (tail)", server.log_tail()))
