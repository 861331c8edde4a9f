"""Several server processes starting at once on one PostgreSQL database all come up, and
the system blocks they register are stored once (SQLite runs one server per file)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from prefect_core.services.system_blocks import system_blocks
from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server

pytestmark = pytest.mark.timeout(180)

SERVERS = 3


def test_servers_starting_together_register_system_blocks_once(
    backend: str, tmp_path, request: pytest.FixtureRequest
) -> None:
    if backend != "postgres":
        pytest.skip("one server process per SQLite file is the supported setup")
    env = backend_env(backend, tmp_path, request)
    with ThreadPoolExecutor(SERVERS) as pool:
        futures = [pool.submit(start_server, env, tmp_path, timeout=90.0) for _ in range(SERVERS)]
        started: list[ServerProcess] = []
        errors = []
        for future in futures:
            try:
                started.append(future.result())
            except Exception as exc:  # keep stopping the others
                errors.append(exc)
    try:
        assert not errors, errors
        for server in started:
            types = httpx.post(f"{server.api_url}/block_types/filter", json={}, timeout=15).json()
            schemas = httpx.post(f"{server.api_url}/block_schemas/filter", json={}, timeout=15).json()
            assert len(types) == len(system_blocks()) == len({t["slug"] for t in types})
            assert len(schemas) == len(system_blocks())
    finally:
        for server in started:
            server.stop()
