"""PostgreSQL engines side by side: SQLAlchemy's AsyncEngine (the former engine) against
asyncpg called directly (prefect_storage_postgres/engine.py).

    python -m bench.pg_engines [--runs 2000] [--repeat 2000] [--url postgresql://...]

µs per call, in one process, for a prebuilt point read executed directly, a point read through
the repository (a whole read unit of work), a filter page (10 runs by tag, sorted), and a
set_state-like write (state INSERT + run UPDATE + COMMIT in one write unit of work), for each
engine over the same database. Without `--url`, a throw-away PostgreSQL cluster is started
(tests/support/postgres.py: 127.0.0.1 only, deleted at the end).

Each figure is (wall, the loop thread's own CPU): the second is what the event loop cannot
spend on other requests; the difference is waiting (for the server, for the CPU). Bounded in
iterations; nothing is pinned, so the figures carry whatever else the machine runs: report them
with the machine's load (printed before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

#: sqlalchemy: the former engine (AsyncEngine, pre-ping, LIFO pool); asyncpg: the current one.
ENGINES = ("sqlalchemy", "asyncpg")


@asynccontextmanager
async def open_storage(engine: str, url: str) -> AsyncIterator[Any]:
    """The server's storage on `url` with the `engine` of choice."""
    from prefect_core.plugins import make_plugin_manager

    make_plugin_manager()  # registers the dialect support the column types need
    from prefect_storage_postgres.backend import PostgresBackend
    from prefect_storage_postgres.settings import PostgresSettings

    settings = PostgresSettings(url=url)
    if engine == "asyncpg":
        async with PostgresBackend(settings).open() as storage:
            yield storage
        return
    async with _open_sqlalchemy(url, settings) as storage:
        yield storage


@asynccontextmanager
async def _open_sqlalchemy(url: str, settings: Any) -> AsyncIterator[Any]:
    """The former set-up: one pooled SQLAlchemy AsyncEngine for reads and writes."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from prefect_storage_postgres.backend import DIALECT_OPTIONS, make_engine, migrate_database
    from prefect_storage_postgres.connection import ConnectionTarget
    from prefect_storage_postgres.dialect import PostgresSupport
    from prefect_storage_sql.storage import SqlStorage

    target = ConnectionTarget.from_url(url)
    migrator = make_engine(target, settings)
    await migrate_database(migrator)
    await migrator.dispose()
    engine = create_async_engine(
        "postgresql+asyncpg://",
        connect_args=target.connect_args(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_pre_ping=True,
        pool_use_lifo=True,
        **DIALECT_OPTIONS,
    )
    reader = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    try:
        yield SqlStorage(
            read_engine=reader,
            write_engine=engine,
            support=PostgresSupport(),
            serialize_writes=False,
            description={"backend": "postgres"},
        )
    finally:
        await engine.dispose()


async def micro(url: str, runs: int, repeat: int, engines: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    from bench.sqlite_engines import seed_runs, storage_figures  # the same data and figures as for SQLite

    results: dict[str, dict[str, tuple[float, float]]] = {}
    async with open_storage("asyncpg", url) as storage:
        ids = await seed_runs(storage, runs)
    for engine in [*engines, *engines]:  # twice, interleaved; the lower figure is kept
        async with open_storage(engine, url) as storage:
            kept = results.setdefault(engine, {})
            for label, figure in await storage_figures(storage, ids, repeat):
                kept[label] = min(kept.get(label, figure), figure)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_engines")
    parser.add_argument("--runs", type=int, default=2000, help="flow runs seeded")
    parser.add_argument("--repeat", type=int, default=2000, help="calls per figure (bounded)")
    parser.add_argument("--url", default=None, help="an empty database (default: a throw-away cluster)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, of: " + ", ".join(ENGINES))
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop", help="uvloop: as the server runs")
    args = parser.parse_args(argv)
    if args.loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    engines = args.engines.split(",")
    if args.url:
        result = asyncio.run(micro(args.url, args.runs, args.repeat, engines))
    else:
        from tests.support.postgres import PostgresServer

        with PostgresServer() as pg:
            result = asyncio.run(micro(pg.create_database("bench_engines"), args.runs, args.repeat, engines))
    for engine, figures in result.items():
        for label, (wall, cpu) in figures.items():
            print(f"{engine:12} {label:48} {wall:8.1f} µs wall {cpu:8.1f} µs loop-thread CPU")
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
