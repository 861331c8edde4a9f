"""Long-running client processes for conformance tests: `flow.serve()`, workers.

Each runs with the pinned client against our server, its output in a file,
and is stopped by its own process id: SIGINT first (the client shuts down
cleanly), SIGKILL if it is still there after a grace period.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.conformance.support import SCRIPT_PRELUDE

#: The `prefect` CLI of the interpreter running the tests.
PREFECT_CLI = str(Path(sys.executable).with_name("prefect"))


class Background:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, log: Path) -> None:
        self.log_path = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, grace: float = 20.0) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


@contextmanager
def background(argv: Sequence[str], env: Mapping[str, str], cwd: Path, name: str) -> Iterator[Background]:
    proc = Background(argv, env, cwd, cwd / f"{name}.log")
    try:
        yield proc
    finally:
        proc.stop()


def script(workdir: Path, name: str, source: str) -> Path:
    path = workdir / f"{name}.py"
    path.write_text(SCRIPT_PRELUDE + textwrap.dedent(source))
    return path


def cli(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 90.0
) -> subprocess.CompletedProcess[str]:
    """Run the prefect CLI; fail with its output unless it exits 0."""
    done = subprocess.run([PREFECT_CLI, *args], env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"prefect {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def wait_for(check, timeout: float, interval: float = 0.5, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Call `check` until it returns something truthy; that value, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of someone else still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False
