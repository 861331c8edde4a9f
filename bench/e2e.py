"""End-to-end workloads with the real client: wall time and the server's CPU seconds.

The client scripts (bench/e2e_flows.py) run in a subprocess of the project venv's Python, which
has prefect 3.8.8, with PREFECT_API_URL pointing at the server under test, ephemeral mode off,
and a throwaway PREFECT_HOME. The server's CPU is the psutil cpu_times delta of its process tree
over the whole subprocess (client start-up included, as the client talks to the server then too,
and the wait until the server shows all task runs, which arrive as events and are recorded
asynchronously).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.servers import ServerProcess, clean_env

SCRIPT = Path(__file__).resolve().parent / "e2e_flows.py"
WORKLOADS = (("tasks", 200), ("subflows", 20))


def run_workload(server: ServerProcess, kind: str, n: int, home: Path, timeout: float) -> dict:
    """Run one workload against `server`; return wall times, server CPU seconds and final state."""
    home.mkdir(parents=True, exist_ok=True)
    env = clean_env(
        {
            "PREFECT_API_URL": server.base_url,
            "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false",
            "PREFECT_HOME": str(home),
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_LOGGING_TO_API_ENABLED": "true",
        }
    )
    cpu0 = server.cpu_seconds()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(SCRIPT), kind, str(n)], env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {
            "kind": kind,
            "n": n,
            "error": f"timeout after {timeout:.0f}s",
            "server_cpu_s": round(server.cpu_seconds() - cpu0, 3),
        }
    wall = time.perf_counter() - t0
    cpu = server.cpu_seconds() - cpu0
    result: dict = {"kind": kind, "n": n, "process_wall_s": round(wall, 3), "server_cpu_s": round(cpu, 3)}
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_E2E "):
            result.update(json.loads(line[len("BENCH_E2E ") :]))
            break
    else:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
        result["error"] = f"exit {proc.returncode}: " + " | ".join(tail)
    if "state" in result and result.get("server_state") != "COMPLETED":
        result["error"] = f"final state on server: {result.get('server_state')}"
    elif "state" in result and result.get("task_runs_on_server") != n:
        result["error"] = f"task runs on server: {result.get('task_runs_on_server')} of {n}"
    return result


def run_all(server: ServerProcess, scratch: Path, timeout: float = 300.0) -> list[dict]:
    """Run every workload in WORKLOADS against `server`, one after another."""
    return [run_workload(server, kind, n, scratch / f"e2e-home-{kind}", timeout) for kind, n in WORKLOADS]
