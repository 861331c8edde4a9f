"""Shared fixtures. Backends are chosen with `--backend sqlite|postgres|all` (default all)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from prefect_core.settings import Settings

BACKENDS = ("sqlite", "postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default="all",
        choices=("sqlite", "postgres", "all"),
        help="storage backend(s) to run backend-dependent tests on",
    )


def selected_backends(config: pytest.Config) -> list[str]:
    chosen = config.getoption("--backend")
    return list(BACKENDS) if chosen == "all" else [chosen]


def only_on(backend: str) -> object:
    """An autouse fixture for a module whose tests need one backend: assign it at module level
    (`_on_sqlite = only_on("sqlite")`) and its tests skip unless `--backend` selects it."""

    @pytest.fixture(autouse=True)
    def _selected(request: pytest.FixtureRequest) -> None:
        if backend not in selected_backends(request.config):
            pytest.skip(f"these tests run with the {backend} backend")

    return _selected


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = selected_backends(metafunc.config)
        if metafunc.definition.get_closest_marker("one_backend") is not None:
            # A test of CLI commands checks the client's side (arguments, output, exit codes);
            # their server side is the REST API, which tests/api covers on every backend.
            backends = backends[:1]
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """A real PostgreSQL cluster for the whole session, started on first use."""
    from tests.support.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def backend_env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment variables selecting a fresh database on `backend`."""
    if backend == "sqlite":
        return {"PREFECT_DATABASE_BACKEND": "sqlite", "PREFECT_DATABASE_PATH": str(tmp_path / "prefect.db")}
    pg = request.getfixturevalue("postgres_server")
    url = pg.create_database(f"t_{uuid.uuid4().hex[:12]}")  # type: ignore[attr-defined]
    return {"PREFECT_DATABASE_BACKEND": "postgres", "PREFECT_DATABASE_URL": url}


@pytest.fixture
def server_env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    return backend_env(backend, tmp_path, request)


@pytest.fixture
def settings(server_env: dict[str, str]) -> Settings:
    return Settings.from_env(server_env)


@pytest.fixture
async def storage(settings: Settings) -> AsyncIterator[object]:
    """An open storage on a fresh database of the selected backend."""
    from prefect_core.plugins import make_plugin_manager, select_storage_backend

    backend = select_storage_backend(make_plugin_manager(), settings)
    async with backend.open() as opened:
        yield opened


@pytest.fixture
async def client(settings: Settings, aiohttp_client):  # type: ignore[no-untyped-def]
    """An aiohttp test client for the whole app on a fresh database."""
    from prefect_http.app import create_app

    return await aiohttp_client(create_app(settings))
