"""Our server as a subprocess, on loopback, stopped by its own process id."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.ports import free_port


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Signal the server and wait for it; SIGKILL if it does not exit in time."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode


def start_server(
    env: Mapping[str, str], workdir: Path, *, port: int | None = None, timeout: float = 30.0
) -> ServerProcess:
    """Start `prefect-server` with `env` added to ours and wait until /api/health answers."""
    port = port or free_port()
    log_path = workdir / f"server-{port}.log"
    full_env = {**os.environ, "PREFECT_SERVER_LOGGING_LEVEL": "WARNING", **env}
    log_file = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect_http.server", "--host", "127.0.0.1", "--port", str(port)],
        env=full_env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    log_file.close()
    server = ServerProcess(process, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.api_url}/health", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"server did not become healthy in {timeout}s:\n{server.log()}")


@contextmanager
def running_server(env: Mapping[str, str], workdir: Path) -> Iterator[ServerProcess]:
    server = start_server(env, workdir)
    try:
        yield server
    finally:
        server.stop()
