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


#: Test directories, slowest per file first (a whole-suite run, 2026-12-03: a conformance
#: file ~100 s on average, a unit file ~1 s).
SLOWEST_FIRST = ("conformance", "browser", "process", "api", "storage", "unit")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # `-n 4 --dist loadfile` hands whole files to the workers in collection order: a long
    # file collected late (alphabetically, conformance comes after api and browser) ran
    # alone at the end. Longest first, the short files fill the workers' gaps at the end.
    # A stable sort: the order within a directory, and within a file, stays as written.
    def rank(item: pytest.Item) -> int:
        parts = Path(str(item.path)).parts
        return next((i for i, name in enumerate(SLOWEST_FIRST) if name in parts), len(SLOWEST_FIRST))

    items.sort(key=rank)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = selected_backends(metafunc.config)
        if metafunc.definition.get_closest_marker("one_backend") is not None:
            # A test of a client's side (CLI commands: arguments, output, exit codes; the UI's
            # page sweep: what a page shows); its server side is the REST API, which tests/api
            # covers on every backend.
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


@pytest.fixture(scope="session")
def postgres_template(postgres_server: object) -> str:
    """The name of a database migrated to the newest revision, once per session.

    A test's PostgreSQL database is a copy of it (`CREATE DATABASE ... TEMPLATE`), so the
    server under test starts on a schema at head, as after its first start, instead of
    running every revision through Alembic again for each of the suite's ~500 PostgreSQL
    databases. Migrating an empty database is what this fixture itself,
    tests/storage/test_postgres_backend.py (its own empty databases) and the benchmark's
    servers do.
    """
    import asyncio

    from prefect_storage_postgres.backend import PostgresBackend

    name = f"tmpl_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name)  # type: ignore[attr-defined]

    async def migrate() -> None:
        async with PostgresBackend.from_environ({"PREFECT_DATABASE_URL": url}).open():
            pass  # opening applies the revisions; closing leaves no connection to the template

    asyncio.run(migrate())
    return name


def backend_env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment variables selecting a fresh database on `backend` (on PostgreSQL, already
    at the newest schema revision, `postgres_template`, unless the test is marked
    `empty_database`)."""
    if backend == "sqlite":
        return {"PREFECT_DATABASE_BACKEND": "sqlite", "PREFECT_DATABASE_PATH": str(tmp_path / "prefect.db")}
    pg = request.getfixturevalue("postgres_server")
    # A test that builds its database's schema itself (an older revision, a legacy one) is
    # marked `empty_database`, and gets an empty one.
    empty = request.node.get_closest_marker("empty_database") is not None
    template = None if empty else request.getfixturevalue("postgres_template")
    url = pg.create_database(f"t_{uuid.uuid4().hex[:12]}", template=template)  # type: ignore[attr-defined]
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
