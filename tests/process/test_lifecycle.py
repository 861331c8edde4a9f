"""The server process: clean shutdown, durability across stops, start-up errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import backend_env
from tests.support.server import start_server


def _write_some(api: str, n: int) -> dict[str, list[str]]:
    """Create a flow, `n` runs taken to COMPLETED and logs; return what was acknowledged."""
    with httpx.Client(base_url=api, timeout=10) as http:
        flow = http.post("/flows/", json={"name": "durable"}).json()
        runs = []
        for _ in range(n):
            run = http.post("/flow_runs/", json={"flow_id": flow["id"]}).json()
            for state in ("RUNNING", "COMPLETED"):
                resp = http.post(f"/flow_runs/{run['id']}/set_state", json={"state": {"type": state}})
                assert resp.status_code == 201
            runs.append(run["id"])
        logs = [
            {"name": "l", "level": 20, "message": f"m{i}", "timestamp": "2024-01-01T00:00:00Z", "flow_run_id": runs[0]}
            for i in range(5)
        ]
        assert http.post("/logs/", json=logs).status_code == 201
    return {"flow": [flow["id"]], "runs": runs}


def _read_back(api: str, written: dict[str, list[str]]) -> None:
    with httpx.Client(base_url=api, timeout=10) as http:
        assert http.get(f"/flows/{written['flow'][0]}").status_code == 200
        for run_id in written["runs"]:
            run = http.get(f"/flow_runs/{run_id}").json()
            assert run["state_type"] == "COMPLETED", run
            history = http.get("/flow_run_states/", params={"flow_run_id": run_id}).json()
            assert [s["type"] for s in history] == ["PENDING", "RUNNING", "COMPLETED"]
        logs = http.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [written["runs"][0]]}}}).json()
        assert sorted(l["message"] for l in logs) == [f"m{i}" for i in range(5)]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["term", "int", "kill"])
def test_acknowledged_writes_survive_a_stop(backend, tmp_path: Path, request, stop_signal) -> None:
    env = backend_env(backend, tmp_path, request)
    server = start_server(env, tmp_path)
    try:
        written = _write_some(server.api_url, 10)
    finally:
        code = server.stop(stop_signal)
    if stop_signal != signal.SIGKILL:
        assert code == 0, server.log()
    again = start_server(env, tmp_path)
    try:
        _read_back(again.api_url, written)
    finally:
        assert again.stop() == 0


def test_unknown_backend_is_one_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_DATABASE_BACKEND": "oracle"}
    result = subprocess.run(
        [sys.executable, "-m", "prefect_http.server", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "unknown database backend 'oracle'" in result.stderr and "sqlite" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_postgres_url_is_one_clear_error(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PREFECT_DATABASE_BACKEND": "postgres",
        "PREFECT_DATABASE_URL": "postgresql://nobody:wrong@127.0.0.1:1/nothing",
        "PREFECT_DATABASE_CONNECT_TIMEOUT": "3",
    }
    result = subprocess.run(
        [sys.executable, "-m", "prefect_http.server", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "prefect-server:" in result.stderr


@pytest.mark.parametrize(
    "variables, named",
    [
        ({"PREFECT_SERVER_API_PORT": "abc"}, "PREFECT_SERVER_API_PORT='abc'"),
        ({"PREFECT_SERVER_LOGGING_LEVEL": "loud"}, "PREFECT_SERVER_LOGGING_LEVEL='loud'"),
        ({"PREFECT_SQLITE_CACHE_SIZE": "lots"}, "PREFECT_SQLITE_CACHE_SIZE='lots'"),
        (
            {"PREFECT_DATABASE_BACKEND": "postgresql", "PREFECT_DATABASE_POOL_SIZE": "0"},
            "PREFECT_DATABASE_POOL_SIZE='0'",
        ),
    ],
    ids=["core", "core-validator", "sqlite-plugin", "postgres-plugin"],
)
def test_invalid_variable_is_one_line_naming_it(tmp_path: Path, variables: dict[str, str], named: str) -> None:
    """Core and plugin settings alike: exit 2 before serving, one line, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    result = subprocess.run(
        [sys.executable, "-m", "prefect_http.server"],
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("prefect-server: invalid ") and named in lines[0], lines
    assert not list(tmp_path.iterdir())  # nothing was opened or created
