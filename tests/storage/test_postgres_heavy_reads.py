"""Long reads a few at a time on PostgreSQL (`prefect_storage_postgres.heavy_reads`): a statement
shape that has taken long runs at most `PREFECT_DATABASE_HEAVY_READ_CONCURRENCY` at once (each
execution counts the backends running it at that moment), a short read is not held behind them,
writes are not limited, and the run history, the heaviest read the UI sends, is learnt as
long."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import sqlalchemy as sa

from prefect_core.services.run_history import HistoryQuery, run_history
from prefect_storage_postgres.backend import PostgresBackend
from prefect_storage_postgres.heavy_reads import HeavyReads
from prefect_storage_postgres.settings import PostgresSettings
from prefect_storage_sql.storage import SqlStorage
from tests.conftest import only_on

_on_postgres = only_on("postgres")

MARKER = "heavy-read-marker"
#: Sleeps, then counts the backends still sleeping in this same statement, plus itself. (Not
#: `state = 'active'`: a backend whose statement is prepared but not yet executed, one
#: waiting for a slot, shows as active too.)
LONG_READ = sa.text(
    f"SELECT pg_sleep(0.15), (SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
    f"AND query LIKE '%{MARKER}%' AND pid <> pg_backend_pid()) + 1 AS running /* {MARKER} */"
)


@asynccontextmanager
async def opened(pg_url: str, concurrency: int) -> AsyncIterator[SqlStorage]:
    settings = PostgresSettings(url=pg_url, pool_size=4, heavy_read_concurrency=concurrency, heavy_read_ms=50)
    async with PostgresBackend(settings).open() as storage:
        yield storage


async def _long_read(storage: SqlStorage) -> int:
    async with storage.read() as uow:
        return int((await uow.conn.execute(LONG_READ)).one().running)


async def _concurrent_long_reads(storage: SqlStorage) -> list[int]:
    await _long_read(storage)  # learnt as long
    return await asyncio.gather(*(_long_read(storage) for _ in range(3)))


async def test_long_reads_run_one_at_a_time_and_short_ones_pass(pg_url: str) -> None:
    async with opened(pg_url, concurrency=1) as storage:
        long_reads = asyncio.ensure_future(_concurrent_long_reads(storage))
        await asyncio.sleep(0.3)  # the first has been learnt; the three are running or waiting
        started = asyncio.get_running_loop().time()
        async with storage.read() as uow:
            assert (await uow.conn.execute(sa.text("SELECT 1 AS one"))).one().one == 1
        short_took = asyncio.get_running_loop().time() - started
        assert await long_reads == [1, 1, 1]
    # Three long reads queue for ~0.45 s; the short one did not wait for a slot.
    assert short_took < 0.15


async def test_without_a_limit_long_reads_overlap(pg_url: str) -> None:
    # The control: the same three reads, with no limit, run side by side.
    async with opened(pg_url, concurrency=0) as storage:
        assert max(await _concurrent_long_reads(storage)) > 1


async def test_writes_are_not_limited(pg_url: str) -> None:
    async with opened(pg_url, concurrency=1) as storage:

        async def long_write() -> int:
            async with storage.write() as uow:
                return int((await uow.conn.execute(LONG_READ)).one().running)

        await long_write()
        assert max(await asyncio.gather(*(long_write() for _ in range(3)))) > 1


async def test_the_run_history_is_learnt_as_long(pg_url: str) -> None:
    # The repositories' heavy reads build their statements per call; their compiled shape is
    # shared between calls (SQLAlchemy's cache key), so what one call took is known to the next.
    async with opened(pg_url, concurrency=1) as storage:
        now = dt.datetime.now(dt.UTC)
        query = HistoryQuery(history_start=now - dt.timedelta(days=7), history_end=now, history_interval_seconds=3600)
        for _ in range(2):
            await run_history(storage, "flow", query)
        lanes = storage.read_engine.heavy_reads
        assert isinstance(lanes, HeavyReads)
        measured = [p for p in storage.read_engine.statements._by_key.values() if p.recent_seconds > 0]
        assert any("flow_run" in p.sql for p in measured)


def test_settings_validate_the_limit() -> None:
    assert PostgresSettings().heavy_read_concurrency == 1
    with pytest.raises(ValueError):
        HeavyReads(0, 0.02)
