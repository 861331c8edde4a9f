"""Leases outlive their holders and the server: a holder killed with SIGKILL gives its slot
back once its lease expires (the repossessor), and a restarted server still knows the
leases it granted. Each test runs its own server (the first with a 1 s repossessor loop;
leases last at least 60 s, as the API allows no shorter, so that test waits about a minute).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.support import SCRIPT_PRELUDE, Api, client_env, eventually, unique_suffix
from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(240)]

HOLD = """
import time
from pathlib import Path
from prefect.concurrency.sync import concurrency

NAME, INSIDE, GO = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
with concurrency(NAME, occupy=1, lease_duration=60):
    INSIDE.write_text("in")
    while not GO.exists():
        time.sleep(0.1)
report(released=True)
"""


def _start_holder(workdir: Path, api_url: str, name: str) -> tuple[subprocess.Popen[str], Path, Path]:
    suffix = unique_suffix()
    script = workdir / f"hold_{suffix}.py"
    script.write_text(SCRIPT_PRELUDE + textwrap.dedent(HOLD))
    inside, go = workdir / f"inside-{suffix}", workdir / f"go-{suffix}"
    proc = subprocess.Popen(
        [sys.executable, str(script), suffix, name, str(inside), str(go)],
        env=client_env(api_url, workdir),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not inside.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"holder never got its slot:\n{out[-2000:]}\n{err[-4000:]}")
        time.sleep(0.1)
    return proc, inside, go


@pytest.fixture
def env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    return {**backend_env(backend, tmp_path, request), "PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "1"}


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[ServerProcess]:
    process = start_server(env, tmp_path)
    try:
        yield process
    finally:
        process.stop()


def _active(api: Api, name: str) -> int:
    return int(api.get(f"/v2/concurrency_limits/{name}")["active_slots"])


def test_killed_holder_gives_its_slot_back_when_its_lease_expires(server: ServerProcess, tmp_path: Path) -> None:
    api = Api(server.api_url)
    try:
        name = f"kill-{unique_suffix()}"
        api.post("/v2/concurrency_limits/", {"name": name, "limit": 1})
        proc, _, _ = _start_holder(tmp_path, server.api_url, name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = time.monotonic()
        assert _active(api, name) == 1  # the lease (60 s) is still running
        released = eventually(lambda: _active(api, name), lambda n: n == 0, timeout=120, interval=1.0)
        assert released == 0
        # Not before the lease could have expired: the slot was held, not dropped.
        assert time.monotonic() - killed_at > 30
        # And the slot is usable again.
        follower, _, go = _start_holder(tmp_path, server.api_url, name)
        go.write_text("go")
        assert follower.wait(timeout=60) == 0
        assert _active(api, name) == 0
    finally:
        api.close()


def test_a_restarted_server_knows_its_leases(env: dict[str, str], tmp_path: Path) -> None:
    first = start_server(env, tmp_path)
    port, name = first.port, f"restart-{unique_suffix()}"
    api = Api(first.api_url)
    proc = None
    try:
        api.post("/v2/concurrency_limits/", {"name": name, "limit": 1})
        proc, _, go = _start_holder(tmp_path, first.api_url, name)
        first.stop()
        second = start_server(env, tmp_path, port=port)
        try:
            assert _active(api, name) == 1
            # Still held for the first holder: a second one cannot get in.
            denied = api.http.post("/v2/concurrency_limits/increment-with-lease", json={"names": [name], "slots": 1})
            assert denied.status_code == 423
            go.write_text("go")  # the holder leaves its block and releases through the new server
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err[-4000:]
            assert _active(api, name) == 0
        finally:
            second.stop()
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        first.stop()
        api.close()
