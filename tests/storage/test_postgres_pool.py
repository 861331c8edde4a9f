"""The PostgreSQL pool's handling of returned connections (prefect_storage_postgres/pool.py), on a
real server: a finished read's transaction is ended by the connection's next BEGIN or, when the
connection stays idle, rolled back soon after; a failed write is rolled back at once (its row
locks released); overflow connections are kept for the next burst, then closed once idle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa

from prefect_core.schemas.flows import Flow
from prefect_storage_postgres import pool as pool_module
from prefect_storage_postgres.backend import PostgresBackend
from prefect_storage_postgres.settings import PostgresSettings
from prefect_storage_sql import tables
from prefect_storage_sql.storage import SqlStorage
from tests.conftest import only_on

_on_postgres = only_on("postgres")


@pytest.fixture
async def watcher(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_url)
    yield conn
    await conn.close()


async def _states(watcher: asyncpg.Connection) -> list[str]:
    """The state of each of the server's pooled connections (pg_stat_activity, outside a transaction)."""
    rows = await watcher.fetch(
        "SELECT state FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'prefect-server-py' AND pid <> pg_backend_pid()"
    )
    return sorted(r["state"] for r in rows)


async def _backend_pid(storage: SqlStorage) -> int:
    async with storage.read() as uow:
        return int((await uow.conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_finished_read_is_rolled_back_when_its_connection_stays_idle(
    pg_url: str, watcher: asyncpg.Connection
) -> None:
    async with PostgresBackend(PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=0)).open() as storage:
        async with storage.read() as uow:
            assert (await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))).scalar() == 0
        # At once the read may still be open (its end travels with the next BEGIN) ...
        deadline = asyncio.get_running_loop().time() + 5
        while await _states(watcher) != ["idle"]:
            assert asyncio.get_running_loop().time() < deadline, await _states(watcher)
            await asyncio.sleep(pool_module.IDLE_RESET_SECONDS)
        # ... and a read after it begins its own snapshot: it sees what was written since.
        async with storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="later"))
        async with storage.read() as uow:
            assert (await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))).scalar() == 1


async def test_reads_back_to_back_each_see_a_fresh_snapshot(pg_url: str, watcher: asyncpg.Connection) -> None:
    async with PostgresBackend(PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=0)).open() as storage:
        counts = []
        for name in ("a", "b", "c"):
            async with storage.read() as uow:  # the same connection each time, previous read left open
                counts.append((await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))).scalar())
                level = (await uow.conn.execute(sa.text("SELECT current_setting('transaction_read_only')"))).scalar()
                assert level == "on"
            # Written by another client, committed before the next read begins.
            await watcher.execute(
                "INSERT INTO flow (id, name, tags, labels, created, updated)"
                " VALUES (gen_random_uuid(), $1, '[]', '{}', now(), now())",
                name,
            )
        assert counts == [0, 1, 2]


async def test_a_failed_write_releases_its_row_locks_at_once(pg_url: str) -> None:
    async with PostgresBackend(PostgresSettings(url=pg_url, pool_size=2, pool_max_overflow=0)).open() as storage:
        async with storage.write() as uow:
            flow = await uow.flows.get_or_create(Flow(name="locked"))
        with pytest.raises(RuntimeError):
            async with storage.write() as uow:
                await uow.conn.execute(sa.select(tables.flow.c.id).where(tables.flow.c.id == flow.id).with_for_update())
                raise RuntimeError("the use case gave up")
        other = await asyncpg.connect(pg_url)
        try:
            async with other.transaction():
                await other.execute("SET LOCAL lock_timeout = '5s'")  # fails the test, not hangs it
                assert await other.fetchval("SELECT id FROM flow WHERE id = $1 FOR UPDATE", flow.id) == flow.id
        finally:
            await other.close()


async def test_overflow_connections_are_kept_for_a_while_then_closed(
    pg_url: str, watcher: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_module, "OVERFLOW_IDLE_SECONDS", 0.5)
    async with PostgresBackend(PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=2)).open() as storage:

        async def hold() -> int:
            async with storage.write() as uow:
                pid = (await uow.conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
                await uow.conn.execute(sa.text("SELECT pg_sleep(0.1)"))
                return int(pid)

        first = set(await asyncio.gather(hold(), hold(), hold()))
        assert len(first) == 3
        second = set(await asyncio.gather(hold(), hold(), hold()))
        assert second == first  # the burst's connections were kept, none opened again
        deadline = asyncio.get_running_loop().time() + 10
        while len(await _states(watcher)) != 1:
            assert asyncio.get_running_loop().time() < deadline, await _states(watcher)
            await asyncio.sleep(0.1)
        assert storage.read_engine.pool.idle() == 1  # type: ignore[attr-defined]
        assert await _backend_pid(storage) in first  # the one kept is one of them, still usable


async def test_a_read_is_rolled_back_soon_while_overflow_connections_wait_to_be_closed(
    pg_url: str, watcher: asyncpg.Connection
) -> None:
    async with PostgresBackend(PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=1)).open() as storage:

        async def hold() -> None:
            async with storage.write() as uow:
                await uow.conn.execute(sa.text("SELECT pg_sleep(0.1)"))

        await asyncio.gather(hold(), hold())  # one connection beyond the pool size: closed in 10 s
        async with storage.read() as uow:
            await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))
        deadline = asyncio.get_running_loop().time() + 3  # well before the overflow one is closed
        while await _states(watcher) != ["idle", "idle"]:
            assert asyncio.get_running_loop().time() < deadline, await _states(watcher)
            await asyncio.sleep(pool_module.IDLE_RESET_SECONDS)


def test_returned_connections_are_swept_on_uvloop_the_servers_loop(pg_url: str) -> None:
    """The server runs on uvloop, whose timer handles have no `when()`: reads returned while a
    sweep is pending (the path that compares due times) must give their connection back, and the
    idle read still gets rolled back."""
    import uvloop

    async def scenario() -> list[str]:
        watcher = await asyncpg.connect(pg_url)
        try:
            settings = PostgresSettings(url=pg_url, pool_size=2, pool_max_overflow=2)
            async with PostgresBackend(settings).open() as storage:
                pool = storage.read_engine.pool  # type: ignore[attr-defined]
                # A sweep due now: uvloop schedules it as a plain handle (no timer), which a
                # return before it runs compared by `when()` and failed on.
                now = asyncio.get_running_loop().time()
                pool._sweep_by(now)
                pool._sweep_by(now + 1)
                for _ in range(3):  # each return reschedules the pending sweep
                    await asyncio.gather(*(_backend_pid(storage) for _ in range(4)))
                deadline = asyncio.get_running_loop().time() + 5
                while "idle in transaction" in await _states(watcher):
                    assert asyncio.get_running_loop().time() < deadline, await _states(watcher)
                    await asyncio.sleep(0.02)
                return await _states(watcher)
        finally:
            await watcher.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        states = runner.run(scenario())
    assert states and set(states) == {"idle"}
