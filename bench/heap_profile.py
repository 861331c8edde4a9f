"""Where our server's memory goes: tracemalloc snapshots after start and after a bounded load.

    python -m bench.heap_profile [--requests 2000] [--clients 1] [--rounds 1] [--top 25] [--no-trace]

Starts our server (SQLite, a fresh database in a temporary folder, 127.0.0.1, a free port)
as a subprocess of this module in `--serve` mode, which starts `tracemalloc` before anything
else is imported and writes a snapshot (and its RSS) each time it receives SIGUSR1. The
parent takes one snapshot once the server is healthy, drives a bounded load through the
API (flow runs created and moved PENDING -> RUNNING -> COMPLETED, reads, filters, events,
logs), takes a second one, stops the server by its pid and prints the Python heap by
top-level module and the largest allocation sites, and the growth between the snapshots.

`--no-trace` runs the same without tracemalloc (whose own bookkeeping inflates RSS) and
reports RSS only: the figure to compare with the reference's. Memory outside Python's
allocator (SQLite's page cache, the C parts of uvloop and pydantic-core's compiled schemas)
is RSS minus what tracemalloc sees.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

SNAPSHOT_ENV = "PREFECT_BENCH_HEAP_DIR"


def _rss_mib(pid: int | None = None) -> float:
    with open(f"/proc/{pid or 'self'}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def serve() -> None:
    """The server, traced from its first import (called with `--serve`)."""
    import tracemalloc

    out = os.environ[SNAPSHOT_ENV]
    if os.environ.get("PREFECT_BENCH_HEAP_TRACE") == "1":
        tracemalloc.start(int(os.environ.get("PREFECT_BENCH_HEAP_FRAMES", "1")))
    taken = [0]

    def snapshot(_signum: int, _frame: Any) -> None:
        taken[0] += 1
        name = os.path.join(out, f"snapshot-{taken[0]}")
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(name + ".pickle")
        with open(name + ".rss", "w") as f:
            f.write(f"{_rss_mib():.1f}\n")

    signal.signal(signal.SIGUSR1, snapshot)
    from prefect_http.server import main

    raise SystemExit(main(sys.argv[2:]))


def _by_module(snapshot: Any, top: int) -> list[tuple[str, float, int]]:
    """(top-level module or file, MiB, blocks), largest first."""
    sizes: dict[str, list[int]] = {}
    for stat in snapshot.statistics("filename"):
        name = stat.traceback[0].filename
        key = _module_of(name)
        acc = sizes.setdefault(key, [0, 0])
        acc[0] += stat.size
        acc[1] += stat.count
    ordered = sorted(sizes.items(), key=lambda kv: -kv[1][0])[:top]
    return [(k, v[0] / 2**20, v[1]) for k, v in ordered]


def _module_of(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return rest.split("/", 1)[0].removesuffix(".py")
    for package in ("prefect_core", "prefect_http", "prefect_storage_sql", "prefect_storage_sqlite", "bench"):
        if f"/{package}/" in filename:
            after = filename.split(f"/{package}/", 1)[1]
            return f"{package}/{after.split('/', 1)[0].removesuffix('.py')}"
    return filename if filename.startswith("<") else os.path.basename(filename)


async def _load(base: str, requests: int, clients: int = 1) -> dict[str, int]:
    """A bounded mix of the seed endpoints from `clients` concurrent sessions (each about
    `requests` requests); returns counts by kind, summed."""
    import asyncio

    counts = await asyncio.gather(*(_load_one(base, requests, n) for n in range(clients)))
    return {kind: sum(c[kind] for c in counts) for kind in counts[0]}


async def _load_one(base: str, requests: int, client: int) -> dict[str, int]:
    """One session's share of the load."""
    import datetime as dt
    import uuid

    from bench.prepare import new_session, request_json

    done = {"flow_runs": 0, "transitions": 0, "reads": 0, "events": 0, "logs": 0}
    now = dt.datetime.now(dt.UTC)
    async with new_session() as s:
        _, flow = await request_json(s, "POST", f"{base}/flows/", {"name": f"heap-{client}"})
        for i in range(requests // 5):
            _, run = await request_json(
                s, "POST", f"{base}/flow_runs/", {"flow_id": flow["id"], "name": f"heap-{client}-{i}"}
            )
            done["flow_runs"] += 1
            for state in ("PENDING", "RUNNING", "COMPLETED"):
                await request_json(s, "POST", f"{base}/flow_runs/{run['id']}/set_state", {"state": {"type": state}})
                done["transitions"] += 1
            await request_json(s, "GET", f"{base}/flow_runs/{run['id']}")
            await request_json(s, "POST", f"{base}/flow_runs/filter", {"limit": 10})
            done["reads"] += 2
            if i % 10 == 0:
                events = [
                    {
                        "occurred": now.isoformat(),
                        "event": f"heap.event.{j % 7}",
                        "resource": {"prefect.resource.id": f"heap.{client}.{i}.{j}"},
                        "id": str(uuid.uuid4()),
                    }
                    for j in range(50)
                ]
                await request_json(s, "POST", f"{base}/events", events)
                done["events"] += len(events)
                logs = [
                    {
                        "name": "heap",
                        "level": 20,
                        "message": f"line {j}",
                        "timestamp": now.isoformat(),
                        "flow_run_id": run["id"],
                    }
                    for j in range(20)
                ]
                await request_json(s, "POST", f"{base}/logs/", logs)
                done["logs"] += len(logs)
    return done


def profile(requests: int, top: int, trace: bool, frames: int, clients: int = 1, rounds: int = 1) -> None:
    import asyncio
    import socket
    import subprocess
    import tempfile
    import time
    import tracemalloc
    import urllib.request

    with tempfile.TemporaryDirectory(prefix="heap-") as scratch:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {
            **os.environ,
            SNAPSHOT_ENV: scratch,
            "PREFECT_BENCH_HEAP_TRACE": "1" if trace else "0",
            "PREFECT_BENCH_HEAP_FRAMES": str(frames),
            "PREFECT_DATABASE_BACKEND": "sqlite",
            "PREFECT_DATABASE_PATH": os.path.join(scratch, "heap.db"),
        }
        env.pop("PYTHONTRACEMALLOC", None)
        cmd = [sys.executable, "-m", "bench.heap_profile", "--serve", "--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}/api"
        try:
            for _ in range(600):
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=1) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("the server did not become healthy in 60 s")

            def take(n: int) -> tuple[Any, float]:
                server.send_signal(signal.SIGUSR1)
                rss_file = os.path.join(scratch, f"snapshot-{n}.rss")
                for _ in range(1200):
                    if os.path.exists(rss_file) and open(rss_file).read().strip():
                        break
                    time.sleep(0.1)
                rss = float(open(rss_file).read())
                pickle = os.path.join(scratch, f"snapshot-{n}.pickle")
                return (tracemalloc.Snapshot.load(pickle) if trace else None), rss

            started, rss_started = take(1)
            done: dict[str, int] = {}
            rss_rounds = []
            for n in range(rounds):
                for kind, count in asyncio.run(_load(base, requests, clients)).items():
                    done[kind] = done.get(kind, 0) + count
                loaded, rss_loaded = take(n + 2)
                rss_rounds.append(rss_loaded)
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    if rounds > 1:
        print("RSS after each round: " + ", ".join(f"{r:.1f}" for r in rss_rounds) + " MiB")
    print(
        f"RSS after start: {rss_started:.1f} MiB; after the load ({done}): {rss_loaded:.1f} MiB"
        f"{' (tracemalloc on: RSS includes its bookkeeping)' if trace else ''}"
    )
    if not trace:
        return
    for label, snap in (("after start", started), ("after the load", loaded)):
        total = sum(s.size for s in snap.statistics("filename")) / 2**20
        print(f"\nPython heap {label}: {total:.1f} MiB traced; by module (MiB, blocks):")
        for name, mib, blocks in _by_module(snap, top):
            print(f"  {mib:7.2f}  {blocks:8d}  {name}")
    print("\nGrowth during the load, by allocation site (KiB):")
    for stat in loaded.compare_to(started, "lineno")[:top]:
        frame = stat.traceback[0]
        print(f"  {stat.size_diff / 1024:9.1f}  {_module_of(frame.filename)}:{frame.lineno}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve()
        return
    parser = argparse.ArgumentParser(prog="python -m bench.heap_profile", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests of the bounded load (about)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--frames", type=int, default=1, help="traceback depth tracemalloc keeps")
    parser.add_argument("--clients", type=int, default=1, help="concurrent sessions, each sending --requests")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the load; RSS is read after each round")
    parser.add_argument("--no-trace", action="store_true", help="RSS only, without tracemalloc")
    args = parser.parse_args(argv)
    profile(args.requests, args.top, not args.no_trace, args.frames, args.clients, args.rounds)


if __name__ == "__main__":
    main()
