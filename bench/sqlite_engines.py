"""SQLite engines side by side: inline on the loop (the former engine) against aiosqlite.

    python -m bench.sqlite_engines micro  [--runs 10000] [--repeat 2000]
    python -m bench.sqlite_engines health [--runs 20000] [--duration 8]

`micro`: µs per call, in one process, for a prebuilt point read executed directly, a point
read through the repository (a whole read unit of work), a filter page (10 runs by tag,
sorted), and a set_state-like write (state INSERT + run UPDATE + COMMIT in one write unit
of work), for each engine over the same database file.

`health`: our server as a subprocess on a database holding `--runs` flow runs (seeded
directly through the repositories), once per engine; heavy readers (7-day hourly history,
a tag count, a name search, a deep offset page) run back to back on 3 connections while
one client times `GET /api/health` and `GET /api/flow_runs/{id}` one after the other.
Reported: idle and loaded p50/p99/max of the cheap requests, and the heavy reads' mean.

Bounded in requests and time; nothing is pinned (use the main harness for that), so the
figures carry whatever else the machine runs: report them with the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

#: inline: the former engine; aiosqlite: the current one; aiosqlite-map-on-loop: the current one
#: converting rows on the loop instead of in the connection's thread.
ENGINES = ("inline", "aiosqlite", "aiosqlite-map-on-loop")


# -- storages ------------------------------------------------------------------------------


@asynccontextmanager
async def open_storage(engine: str, path: Path) -> AsyncIterator[Any]:
    """The server's storage over `path` with the `engine` of choice."""
    from prefect_core.plugins import make_plugin_manager

    make_plugin_manager()  # registers the dialect support the column types need
    from prefect_storage_sqlite.backend import open_sqlite
    from prefect_storage_sqlite.settings import SqliteSettings

    settings = SqliteSettings(PREFECT_DATABASE_PATH=path)
    if engine.startswith("aiosqlite"):
        async with open_sqlite(settings.path, settings.pragmas()) as storage:
            for sqlite_engine in (storage.read_engine, storage.write_engine):
                sqlite_engine.map_rows_in_thread = engine == "aiosqlite"  # type: ignore[attr-defined]
            yield storage
        return
    async with _open_inline(settings.path, settings.pragmas()) as storage:
        yield storage


@asynccontextmanager
async def _open_inline(path: Path, pragmas: list[str]) -> AsyncIterator[Any]:
    """The former set-up: SQLAlchemy's sync engine inline on the loop (bench/inline_engine.py)."""
    import sqlalchemy as sa
    from sqlalchemy.pool import QueuePool, StaticPool

    from bench.inline_engine import InlineEngine
    from prefect_storage_sql.storage import SqlStorage
    from prefect_storage_sqlite.backend import migrate_database
    from prefect_storage_sqlite.dialect import SqliteSupport

    url = f"sqlite:///{path}"
    migrate_database(url, pragmas)

    def make(writer: bool) -> InlineEngine:
        kwargs: dict[str, Any] = (
            {"poolclass": StaticPool} if writer else {"poolclass": QueuePool, "pool_size": 2, "max_overflow": -1}
        )
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            for pragma in pragmas:
                dbapi_conn.execute(pragma)

        if writer:

            @sa.event.listens_for(engine, "begin")
            def _on_begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return InlineEngine(engine)

    reader, writer = make(False), make(True)
    try:
        yield SqlStorage(
            read_engine=reader,
            write_engine=writer,
            support=SqliteSupport(),
            serialize_writes=True,
            description={"backend": "sqlite"},
        )
    finally:
        await reader.dispose()
        await writer.dispose()


async def seed(path: Path, runs: int) -> list[Any]:
    """`runs` flow runs over the last 7 days, each with a final state; their ids."""
    async with open_storage("aiosqlite", path) as storage:
        return await seed_runs(storage, runs)


async def seed_runs(storage: Any, runs: int) -> list[Any]:
    """`runs` flow runs over the last 7 days written to `storage` (shared with bench/pg_engines.py)."""
    from prefect_core import timeutil
    from prefect_core.schemas.flows import Flow
    from prefect_core.schemas.runs import FlowRun
    from prefect_core.schemas.states import State, StateType

    rng = random.Random(13)
    now = timeutil.now()
    ids: list[Any] = []
    async with storage.write() as uow:
        flows = [await uow.flows.get_or_create(Flow(name=f"flow-{i}")) for i in range(20)]
    for start in range(0, runs, 1000):
        async with storage.write() as uow:
            for _ in range(min(1000, runs - start)):
                when = now - dt.timedelta(seconds=rng.uniform(0, 7 * 86400))
                run = await uow.flow_runs.insert(
                    FlowRun(
                        flow_id=rng.choice(flows).id,
                        tags=rng.sample(["etl", "daily", "prod", "dev", "ml"], 2),
                        expected_start_time=when,
                        start_time=when,
                    )
                )
                kind = rng.choice([StateType.COMPLETED, StateType.COMPLETED, StateType.FAILED])
                await uow.flow_run_states.add(run.id, State(type=kind, timestamp=when))
                ids.append(run.id)
    return ids


# -- micro ---------------------------------------------------------------------------------


async def _time(label: str, repeat: int, call: Callable[[int], Any]) -> tuple[str, tuple[float, float]]:
    """(wall µs, the loop thread's own CPU µs) per call: the second is what the loop cannot
    spend on other requests; the difference is waiting (for a worker thread, for the CPU)."""
    for i in range(min(50, repeat)):  # warm the caches
        await call(i)
    start, cpu = time.perf_counter(), time.thread_time()
    for i in range(repeat):
        await call(i)
    return label, ((time.perf_counter() - start) / repeat * 1e6, (time.thread_time() - cpu) / repeat * 1e6)


async def storage_figures(storage: Any, ids: list[Any], repeat: int) -> list[tuple[str, tuple[float, float]]]:
    """The four micro figures on one open storage whose database holds the runs `ids`
    (shared with bench/pg_engines.py)."""
    import sqlalchemy as sa

    from prefect_core.schemas import filters as f
    from prefect_core.schemas.bodies.queries import RunFilterBody
    from prefect_core.schemas.sorting import FlowRunSort
    from prefect_core.schemas.states import State, StateType
    from prefect_storage_sql import tables
    from prefect_storage_sql.repositories.base import by_id, prebuilt

    point = prebuilt(("bench", "point"), lambda: sa.select(tables.flow_run).where(by_id(tables.flow_run)))
    body = RunFilterBody(flow_runs=f.FlowRunFilter.model_validate({"tags": {"all_": ["etl"]}}))
    figures = []
    async with storage.read() as uow:
        conn = uow.conn

        async def statement(i: int, conn: Any = conn) -> None:
            (await conn.execute(point, {"_row_id": ids[i % len(ids)]})).first()

        figures.append(await _time("point read, one statement", repeat, statement))

    async def read(i: int) -> None:
        async with storage.read() as uow:
            await uow.flow_runs.get(ids[i % len(ids)])

    async def page(i: int) -> None:
        async with storage.read() as uow:
            await uow.flow_runs.filter(body, FlowRunSort.EXPECTED_START_TIME_DESC, 0, 10)

    async def write(i: int) -> None:
        async with storage.write() as uow:
            await uow.flow_run_states.add(ids[i % len(ids)], State(type=StateType.RUNNING))

    figures.append(await _time("point read, unit of work + repository", repeat, read))
    figures.append(await _time("filter page (10 runs by tag, sorted)", max(1, repeat // 4), page))
    figures.append(await _time("set_state-like write (INSERT+UPDATE+COMMIT)", max(1, repeat // 2), write))
    return figures


async def micro(runs: int, repeat: int, engines: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    results: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "micro.db"
        ids = await seed(path, runs)
        for engine in [*engines, *engines]:  # twice, interleaved; the lower figure is kept
            async with open_storage(engine, path) as storage:
                figures = await storage_figures(storage, ids, repeat)
                kept = results.setdefault(engine, {})
                for label, figure in figures:
                    kept[label] = min(kept.get(label, figure), figure)
    return results


# -- health under heavy reads --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(engine: str) -> None:
    """Run our server with `engine` (environment as for `prefect-server`)."""
    from prefect_storage_sqlite.backend import SqliteBackend

    def bench_open(self: SqliteBackend) -> Any:
        return open_storage(engine, self.settings.path)

    SqliteBackend.open = bench_open  # type: ignore[method-assign]
    from prefect_http.server import main

    sys.exit(main(["--host", "127.0.0.1", "--port", os.environ["BENCH_PORT"]]))


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2] * 1e3, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e3, 2),
        "max_ms": round(ordered[-1] * 1e3, 2),
    }


async def _probe(session: Any, base: str, run_id: Any, until: float, cap: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"health": [], "point": []}
    while time.perf_counter() < until and len(out["health"]) < cap:
        for key, url in (("health", f"{base}/health"), ("point", f"{base}/flow_runs/{run_id}")):
            start = time.perf_counter()
            async with session.get(url) as resp:
                await resp.read()
                assert resp.status == 200, (url, resp.status)
            out[key].append(time.perf_counter() - start)
        await asyncio.sleep(0.002)
    return out


HEAVY = [
    (
        "history 7d hourly",
        "/flow_runs/history",
        lambda now: {
            "history_start": (now - dt.timedelta(days=7)).isoformat(),
            "history_end": now.isoformat(),
            "history_interval_seconds": 3600,
        },
    ),
    ("count by tag", "/flow_runs/count", lambda now: {"flow_runs": {"tags": {"all_": ["etl"]}}}),
    ("name search", "/flow_runs/filter", lambda now: {"flow_runs": {"name": {"like_": "a"}}, "limit": 200}),
    (
        "deep offset",
        "/flow_runs/filter",
        lambda now: {"offset": 15000, "limit": 50, "sort": "EXPECTED_START_TIME_DESC"},
    ),
]


async def _heavy(session: Any, base: str, until: float, timings: dict[str, list[float]]) -> None:
    now = dt.datetime.now(dt.UTC)
    while time.perf_counter() < until:
        for label, path, body in HEAVY:
            start = time.perf_counter()
            async with session.post(base + path, json=body(now)) as resp:
                await resp.read()
                assert resp.status == 200, (path, resp.status, await resp.text())
            timings.setdefault(label, []).append(time.perf_counter() - start)


async def health(runs: int, duration: float, engines: list[str]) -> dict[str, Any]:
    import aiohttp

    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "health.db"
        ids = await seed(path, runs)
        for engine in engines:
            port = _free_port()
            env = {
                **os.environ,
                "PREFECT_DATABASE_BACKEND": "sqlite",
                "PREFECT_DATABASE_PATH": str(path),
                "BENCH_PORT": str(port),
                **{
                    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
                    for name in ("SCHEDULER", "LATE_RUNS", "FOREMAN", "CANCELLATION_CLEANUP", "PAUSE_EXPIRATIONS")
                },
            }
            server = subprocess.Popen([sys.executable, "-m", "bench.sqlite_engines", "serve", engine], env=env)  # noqa: ASYNC220 - once per engine, before any timing
            base = f"http://127.0.0.1:{port}/api"
            try:
                async with aiohttp.ClientSession() as session:
                    for _ in range(200):
                        try:
                            async with session.get(f"{base}/health") as resp:
                                if resp.status == 200:
                                    break
                        except aiohttp.ClientError:
                            pass
                        await asyncio.sleep(0.05)
                    idle = await _probe(session, base, ids[0], time.perf_counter() + 2, 500)
                    timings: dict[str, list[float]] = {}
                    until = time.perf_counter() + duration
                    heavy = [asyncio.create_task(_heavy(session, base, until, timings)) for _ in range(3)]
                    loaded = await _probe(session, base, ids[0], until, 5000)
                    await asyncio.gather(*heavy)
                report[engine] = {
                    "idle health": _percentiles(idle["health"]),
                    "idle point read": _percentiles(idle["point"]),
                    "loaded health": _percentiles(loaded["health"]),
                    "loaded point read": _percentiles(loaded["point"]),
                    "heavy reads (mean ms, n)": {
                        k: (round(statistics.mean(v) * 1e3, 1), len(v)) for k, v in timings.items()
                    },
                }
            finally:
                server.terminate()
                server.wait(15)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sqlite_engines")
    parser.add_argument("what", choices=["micro", "health", "serve"])
    parser.add_argument("engine", nargs="?", choices=ENGINES, help="for serve")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, of: " + ", ".join(ENGINES))
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    if args.what == "serve":
        serve(args.engine or "aiosqlite")
    elif args.what == "micro":
        result: Any = asyncio.run(micro(args.runs or 10_000, args.repeat, args.engines.split(",")))
        for engine, figures in result.items():
            for label, (wall, cpu) in figures.items():
                print(f"{engine:22} {label:48} {wall:8.1f} µs wall {cpu:8.1f} µs loop-thread CPU")
    else:
        result = asyncio.run(health(args.runs or 20_000, args.duration, args.engines.split(",")))
        for engine, figures in result.items():
            for label, value in figures.items():
                print(f"{engine:22} {label:26} {value}")
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
