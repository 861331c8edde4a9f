"""Helpers for the conformance tests: run the pinned `prefect` client in a subprocess and
read what the server stored through its REST API.

A flow script is plain Python text. It gets its unique suffix as `sys.argv[1]` (so one
server can serve many tests) and reports what the test needs by printing one line
`RESULT <json>` (use the `report()` helper from `SCRIPT_PRELUDE`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.server import ServerProcess

T = TypeVar("T")

#: Seconds a client script may run before it is killed (and the test fails).
SCRIPT_TIMEOUT = 120.0
#: Task runs arrive through the event pipeline, so the server may record them a little
#: after the client has exited (the reference does the same); poll this long at most.
SETTLE_TIMEOUT = 20.0

SCRIPT_PRELUDE = textwrap.dedent(
    """\
    import json, sys
    SUFFIX = sys.argv[1]

    def report(**values):
        print("RESULT " + json.dumps(values, default=str), flush=True)
    """
)


def client_env(api_url: str, home: Path, **extra: str) -> dict[str, str]:
    """Environment for a client process: only our server, a fresh home, fast log shipping.

    Every PREFECT_* variable of the test process is dropped, so nothing from the
    runner's environment (or our server's own settings) leaks into the client.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ALLOW_EPHEMERAL_MODE="false",
        PREFECT_HOME=str(home),
        PREFECT_PROFILES_PATH=str(home / "profiles.toml"),
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(home / "storage"),
        PREFECT_LOGGING_TO_API_BATCH_INTERVAL="0.2",
        PREFECT_CLI_COLORS="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class ConformanceServer:
    """The server under test: ours (a subprocess the fixture owns) or an external one."""

    def __init__(self, api_url: str, process: ServerProcess | None) -> None:
        self.api_url = api_url
        self.process = process

    def log_tail(self, lines: int = 60) -> str:
        if self.process is None:
            return "(external server: no log)"
        return "\n".join(self.process.log().splitlines()[-lines:])


@dataclass
class ScriptRun:
    returncode: int
    stdout: str
    stderr: str
    result: dict[str, Any]

    def describe(self) -> str:
        return f"exit {self.returncode}\n--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-6000:]}"


class ClientRunner:
    """Writes flow scripts to a directory and runs them with this interpreter."""

    def __init__(self, workdir: Path, env: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.env = dict(env)

    def run(
        self,
        source: str,
        *,
        args: Sequence[str] = (),
        expect_ok: bool = True,
        env: Mapping[str, str] | None = None,
        suffix: str | None = None,
        timeout: float = SCRIPT_TIMEOUT,
    ) -> ScriptRun:
        """Run `source` (after the prelude) as `script SUFFIX *args`; unless it exits 0,
        fail when `expect_ok`."""
        suffix = suffix or unique_suffix()
        path = self.workdir / f"flow_{suffix}.py"
        path.write_text(SCRIPT_PRELUDE + textwrap.dedent(source))
        try:
            done = subprocess.run(
                [sys.executable, str(path), suffix, *args],
                env={**self.env, **(env or {})},
                cwd=self.workdir,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(
                f"client script timed out after {timeout}s\n--- stdout ---\n{_text(exc.stdout)}"
                f"\n--- stderr ---\n{_text(exc.stderr)}"
            ) from None
        result: dict[str, Any] = {}
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                result.update(json.loads(line[len("RESULT ") :]))
        run = ScriptRun(done.returncode, done.stdout, done.stderr, result)
        if expect_ok:
            assert done.returncode == 0, f"client script failed: {run.describe()}"
        return run


def unique_suffix() -> str:
    """A fresh suffix for flow names, so tests sharing a server never see each other's runs."""
    return uuid.uuid4().hex[:10]


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def eventually(
    read: Callable[[], T], check: Callable[[T], bool], *, timeout: float = SETTLE_TIMEOUT, interval: float = 0.2
) -> T:
    """Call `read` until `check(value)` holds; return the last value either way.

    The caller asserts on the returned value, so a timeout fails with the real data.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if check(value) or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class Api:
    """A thin, synchronous view of the server's REST API for assertions."""

    def __init__(self, api_url: str) -> None:
        self.http = httpx.Client(base_url=api_url, timeout=15.0)

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> Any:
        assert response.status_code < 300, (
            f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:2000]}"
        )
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self._ok(self.http.get(path, params=params or None))

    def post(self, path: str, body: Any) -> Any:
        return self._ok(self.http.post(path, json=body))

    def flow_run(self, flow_run_id: str) -> dict[str, Any]:
        return self.get(f"/flow_runs/{flow_run_id}")

    def flow(self, flow_id: str) -> dict[str, Any]:
        return self.get(f"/flows/{flow_id}")

    def flow_runs_of_flow(self, flow_name: str) -> list[dict[str, Any]]:
        body = {"flows": {"name": {"any_": [flow_name]}}, "sort": "EXPECTED_START_TIME_ASC"}
        return self.post("/flow_runs/filter", body)

    def flow_run_states(self, flow_run_id: str) -> list[dict[str, Any]]:
        """The run's state history in the server's order (the reference's: oldest first)."""
        return self.get("/flow_run_states/", flow_run_id=flow_run_id)

    def task_run(self, task_run_id: str) -> dict[str, Any]:
        return self.get(f"/task_runs/{task_run_id}")

    def task_runs(self, flow_run_id: str) -> list[dict[str, Any]]:
        body = {"task_runs": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "EXPECTED_START_TIME_ASC"}
        return self.post("/task_runs/filter", body)

    def task_run_states(self, task_run_id: str) -> list[dict[str, Any]]:
        """The run's state history in the server's order (the reference's: oldest first)."""
        return self.get("/task_run_states/", task_run_id=task_run_id)

    def logs(self, flow_run_id: str) -> list[dict[str, Any]]:
        body = {"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "TIMESTAMP_ASC", "limit": 200}
        return self.post("/logs/filter", body)

    # Eventually-consistent reads (task runs and their states come through events).

    def settled_task_runs(self, flow_run_id: str, count: int) -> list[dict[str, Any]]:
        """The flow run's task runs once there are `count` of them, all in a final state."""

        def done(runs: list[dict[str, Any]]) -> bool:
            final = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
            return len(runs) >= count and all(r["state_type"] in final for r in runs)

        return eventually(lambda: self.task_runs(flow_run_id), done)

    def settled_task_run_states(self, task_run_id: str, final_name: str) -> list[dict[str, Any]]:
        """The task run's history once its newest state is named `final_name`."""
        return eventually(lambda: self.task_run_states(task_run_id), lambda s: bool(s) and s[-1]["name"] == final_name)


def names(states: list[dict[str, Any]]) -> list[str]:
    return [s["name"] for s in states]


def types(states: list[dict[str, Any]]) -> list[str]:
    return [s["type"] for s in states]
