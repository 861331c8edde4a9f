"""HTTP load with wrk: compose the Lua script, run `wrk -t1 -cN -dDs --latency`, parse its JSON line.

The load generator is native (wrk) so that it is not the bottleneck; the harness process and
so wrk are pinned to the client core, the server to the server core (see servers.py).
Latency percentiles come from wrk's histogram, which covers every completed response; when a
phase has non-2xx responses the result says so (`latency_scope`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
WRK_TIMEOUT = "10s"
INSTALL_HINT = "wrk not found: install it with `apt-get install -y wrk` (Debian/Ubuntu package `wrk`)"


def wrk_path() -> str | None:
    """Path of the wrk binary, or None."""
    return shutil.which("wrk")


def wrk_version() -> str:
    """First line of `wrk --version` (wrk prints it and exits non-zero)."""
    exe = wrk_path()
    if not exe:
        return "missing"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
    return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else "?"


def compose_script(kind: str, scratch: Path) -> Path:
    """Write stats.lua + <kind>.lua into one script file under `scratch`; return its path."""
    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / f"wrk-{kind}.lua"
    path.write_text((LUA_DIR / "stats.lua").read_text() + "\n" + (LUA_DIR / f"{kind}.lua").read_text())
    return path


def _error_kinds(raw: dict, ok: int) -> dict[str, int]:
    """Errors by kind: HTTP status codes that are not 2xx, and wrk's socket error classes."""
    errors: dict[str, int] = {}
    for code, n in (raw.get("statuses") or {}).items():
        if not 200 <= int(code) < 300:
            errors[str(code)] = errors.get(str(code), 0) + int(n)
    for kind in ("connect", "read", "write", "timeout"):
        n = int((raw.get("errors") or {}).get(kind, 0))
        if n:
            errors[kind] = n
    return errors


def summarize(raw: dict) -> dict:
    """Turn wrk's done() JSON into the harness' endpoint result."""
    statuses = {str(k): int(v) for k, v in (raw.get("statuses") or {}).items()}
    ok = sum(n for code, n in statuses.items() if 200 <= int(code) < 300)
    extra = {k: int(v) for k, v in (raw.get("extra") or {}).items()}
    duration = max(float(raw.get("duration_us", 0)) / 1e6, 1e-9)
    if extra.get("exhausted") and extra.get("active_us"):
        duration = max(extra["active_us"] / 1e6, 1e-9)  # the prepared ids ran out early
    lat = raw.get("latency_us") or {}
    errors = _error_kinds(raw, ok)
    result = {
        "ok": ok,
        "responses": sum(statuses.values()),
        "duration_s": round(duration, 3),
        "ok_rps": round(ok / duration, 1),
        "errors": errors,
        "error_count": sum(errors.values()),
        "p50_ms": round(float(lat.get("p50", 0)) / 1000, 3),
        "p95_ms": round(float(lat.get("p95", 0)) / 1000, 3),
        "p99_ms": round(float(lat.get("p99", 0)) / 1000, 3),
        "max_ms": round(float(lat.get("max", 0)) / 1000, 3),
        "latency_scope": "2xx" if not errors else "all responses (wrk histogram; errors present)",
        "generator": "wrk",
    }
    if extra:
        result["extra"] = extra
    return result


def run_wrk(url: str, kind: str, args: list[str], clients: int, duration: float, scratch: Path) -> dict:
    """Run one wrk load against `url` with script `kind` and return the summarized result.

    `kind` is one of static, create_flow_run, set_state (files in bench/lua/).
    Raises RuntimeError if wrk is missing or prints no result line.
    """
    exe = wrk_path()
    if not exe:
        raise RuntimeError(INSTALL_HINT)
    script = compose_script(kind, scratch)
    secs = max(1, round(duration))
    argv = [
        exe,
        "-t1",
        f"-c{clients}",
        f"-d{secs}s",
        "--latency",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(script),
        url,
        "--",
        *args,
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=secs + 60)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return summarize(json.loads(line[len("BENCH_JSON ") :]))
    raise RuntimeError(
        f"wrk gave no result (exit {proc.returncode}): {proc.stderr.strip()[-500:]} {proc.stdout.strip()[-500:]}"
    )
