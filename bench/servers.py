"""Server processes under test: start on a free loopback port, wait for health, measure, stop.

Every server is started as a child of the harness, in its own session, pinned to the
server core when the machine has at least two cores, and stopped by its own process id
(SIGTERM, then SIGKILL after a timeout). Nothing is ever killed by port or by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

LOOPBACK = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
SERVER_CORE = 0
CLIENT_CORE = 1


def free_port() -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def pinning_available() -> bool:
    """True when server and load generator can be pinned to different cores."""
    try:
        cores = os.sched_getaffinity(0)
    except AttributeError:  # pragma: no cover - non-Linux
        return False
    return {SERVER_CORE, CLIENT_CORE} <= cores and shutil.which("taskset") is not None


def pin_harness_to_client_core() -> None:
    """Pin this process (and so wrk, the WS client and the e2e client it spawns) to the client core."""
    os.sched_setaffinity(0, {CLIENT_CORE})


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The harness environment without any PREFECT_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(extra)
    return env


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """GET `url` and return the status code, or None on a connection error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


@dataclass
class ServerProcess:
    """One server process tree, started by the harness."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    port: int
    pin: bool = True
    aux_pids: list[int] = field(default_factory=list)  # e.g. the PostgreSQL postmaster: CPU only
    #: After a bulk load (the responsiveness phase's seeding): bring the database to the state a
    #: database that grew over weeks is in, and say what was done (PostgreSQL: VACUUM ANALYZE).
    settle: Callable[[], dict[str, Any]] | None = None
    proc: subprocess.Popen | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)

    @property
    def base_url(self) -> str:
        """Base URL of the API (ends in /api)."""
        return f"http://{LOOPBACK}:{self.port}/api"

    def start(self, timeout: float = 120.0) -> float:
        """Start the process and wait for a 200 from /api/health; return seconds to healthy.

        Raises RuntimeError (with the log tail) if the process exits or the timeout passes.
        """
        argv = list(self.argv)
        if self.pin:
            argv = ["taskset", "-c", str(SERVER_CORE), *argv]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # a restart (the reference after direct seeding) appends
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(REPO),
        )
        log.close()
        deadline = self.started_at + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if http_status(self.base_url + "/health", timeout=1.0) == 200:
                return time.perf_counter() - self.started_at
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not healthy after {timeout:.0f}s:\n{self.log_tail()}")

    def _tree(self) -> list[psutil.Process]:
        if self.proc is None or self.proc.poll() is not None:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss_mb(self) -> float:
        """Resident memory of the process and all its children, in MiB."""
        total = 0
        for p in self._tree():
            try:
                total += p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return round(total / (1024 * 1024), 1)

    def _aux_trees(self) -> list[psutil.Process]:
        out: list[psutil.Process] = []
        for pid in self.aux_pids:
            try:
                root = psutil.Process(pid)
                out += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        return out

    def cpu_seconds(self) -> float:
        """User+system CPU seconds used so far by the process tree and the aux trees (live ones)."""
        total = 0.0
        for p in self._tree() + self._aux_trees():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def alive(self) -> bool:
        """True while the server process is running."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the server's own pid, SIGKILL after `timeout`; then reap leftover children by pid."""
        if self.proc is None:
            return None
        children = [p for p in self._tree()[1:]]
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        for child in children:
            try:
                child.terminate()
                child.wait(timeout=3)
            except psutil.TimeoutExpired:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        return self.proc.returncode

    def log_tail(self, lines: int = 25) -> str:
        """Last lines of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def python_exe() -> str:
    """The interpreter of the project venv (the one running the harness)."""
    return sys.executable
