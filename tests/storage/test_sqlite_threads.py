"""The SQLite engine keeps SQLite off the event loop's thread, and its connections apart.

Every SQLite connection of the server gets a trace callback (sqlite3 calls it in the
thread that runs each statement); the API is then driven through reads, writes,
transitions, events, logs and worker polls, and no statement may have run on the loop's
thread. A SQL function that blocks until released stands in for a long statement, so
"a long read does not hold a short read or a write" is asserted by completion order,
never by timings.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.flows import Flow
from prefect_core.settings import Settings
from prefect_http.keys import SERVICES
from prefect_storage_sql import tables
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sqlite.backend import SqliteBackend, open_sqlite
from prefect_storage_sqlite.handoff import BusySince
from prefect_storage_sqlite.settings import SqliteSettings
from tests.conftest import selected_backends


@pytest.fixture(autouse=True)
def _sqlite_selected(request: pytest.FixtureRequest) -> None:
    if "sqlite" not in selected_backends(request.config):
        pytest.skip("SQLite engine tests run with the sqlite backend")


class Trace:
    """Which thread ran each statement, and which opened each connection."""

    def __init__(self) -> None:
        self.statements: list[tuple[int, str]] = []
        self.connections: list[int] = []
        self._lock = threading.Lock()

    def hook(self, db: sqlite3.Connection) -> None:
        with self._lock:
            self.connections.append(threading.get_ident())

        def traced(sql: str) -> None:
            with self._lock:
                self.statements.append((threading.get_ident(), sql))

        db.set_trace_callback(traced)

    def verbs(self) -> set[str]:
        return {sql.split(None, 1)[0].upper() for _, sql in self.statements}


@pytest.fixture
def trace(monkeypatch: pytest.MonkeyPatch) -> Trace:
    """Every connection the SQLite backend opens is traced."""
    recorded = Trace()

    def traced_open(self: SqliteBackend):  # type: ignore[no-untyped-def]
        return open_sqlite(self.settings.path, self.settings.pragmas(), connect_hooks=[recorded.hook])

    monkeypatch.setattr(SqliteBackend, "open", traced_open)
    return recorded


def _sqlite_settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "PREFECT_DATABASE_BACKEND": "sqlite",
            "PREFECT_DATABASE_PATH": str(tmp_path / "threads.db"),
            **{
                f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
                for name in ("SCHEDULER", "LATE_RUNS", "FOREMAN", "CANCELLATION_CLEANUP", "PAUSE_EXPIRATIONS")
            },
        }
    )


async def test_no_sqlite_statement_runs_on_the_event_loop_thread(trace: Trace, tmp_path: Path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from prefect_http.app import create_app

    loop_thread = threading.get_ident()
    client = await aiohttp_client(create_app(_sqlite_settings(tmp_path)))
    flow = await (await client.post("/api/flows/", json={"name": "traced"})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "tags": ["a"]})).json()
    for state in ("RUNNING", "COMPLETED"):
        resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": state}})
        assert (await resp.json())["status"] == "ACCEPT", state
    assert (await client.get(f"/api/flow_runs/{run['id']}")).status == 200
    page = await (await client.post("/api/flow_runs/filter", json={"flow_runs": {"tags": {"all_": ["a"]}}})).json()
    assert [r["id"] for r in page] == [run["id"]]
    assert await (await client.post("/api/flow_runs/count", json={})).json() == 1
    logs = [{"name": "l", "level": 20, "message": "m", "timestamp": timeutil.isoformat(timeutil.now())}]
    assert (await client.post("/api/logs/", json=logs)).status == 201
    event = {
        "occurred": timeutil.isoformat(timeutil.now() - dt.timedelta(seconds=1)),
        "event": "traced.event",
        "resource": {"prefect.resource.id": "traced.resource"},
        "id": str(uuid.uuid4()),
    }
    assert (await client.post("/api/events", json=[event])).status == 204
    await client.app[SERVICES].events.flush()
    found = await (
        await client.post("/api/events/filter", json={"filter": {"event": {"name": ["traced.event"]}}})
    ).json()
    assert [e["id"] for e in found["events"]] == [event["id"]]
    assert (await client.post("/api/work_pools/", json={"name": "pool"})).status == 201
    assert (await client.post("/api/work_pools/pool/get_scheduled_flow_runs", json={})).status == 200
    assert (await client.get("/api/health")).status == 200
    await client.close()  # storage closes: connections end in their threads too

    assert trace.connections and loop_thread not in trace.connections
    assert {"SELECT", "INSERT", "UPDATE", "BEGIN", "COMMIT"} <= trace.verbs()
    on_loop = [sql for thread, sql in trace.statements if thread == loop_thread]
    assert on_loop == []


@pytest.fixture
def blocking(tmp_path: Path) -> Iterator[tuple[threading.Event, threading.Event, list]]:
    """A SQL function `wait_for_release()` that blocks its connection's thread until released."""
    entered, released = threading.Event(), threading.Event()

    def hook(db: sqlite3.Connection) -> None:
        def wait_for_release() -> int:
            entered.set()
            # Bounded, so a broken engine fails the test instead of hanging it.
            return 1 if released.wait(30) else 0

        db.create_function("wait_for_release", 0, wait_for_release)

    yield entered, released, [hook]
    released.set()


@pytest.fixture
async def blocking_storage(tmp_path: Path, blocking) -> AsyncIterator[SqlStorage]:  # type: ignore[no-untyped-def]
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "long.db")  # type: ignore[call-arg]
    async with open_sqlite(settings.path, settings.pragmas(), connect_hooks=blocking[2]) as storage:
        yield storage


async def _until(event: threading.Event) -> None:
    for _ in range(3000):  # ~30 s at most
        if event.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the long statement never started")


async def _long(storage: SqlStorage, *, write: bool) -> int:
    unit = storage.write() if write else storage.read()
    async with unit as uow:
        return int((await uow.conn.execute(sa.text("SELECT wait_for_release()"))).scalar_one())  # type: ignore[attr-defined]


async def test_a_long_read_holds_neither_a_short_read_nor_a_write(blocking_storage: SqlStorage, blocking) -> None:  # type: ignore[no-untyped-def]
    entered, released, _ = blocking
    long_read = asyncio.create_task(_long(blocking_storage, write=False))
    await _until(entered)

    async with blocking_storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="written-meanwhile"))
    async with blocking_storage.read() as uow:
        assert (await uow.flows.get(flow.id)) is not None
        counted = (await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))).scalar_one()  # type: ignore[attr-defined]
    assert counted == 1
    assert not long_read.done()  # the write and the read finished while the long read ran

    released.set()
    assert await long_read == 1


async def test_a_long_write_holds_no_read(blocking_storage: SqlStorage, blocking) -> None:  # type: ignore[no-untyped-def]
    entered, released, _ = blocking
    async with blocking_storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="before"))
    long_write = asyncio.create_task(_long(blocking_storage, write=True))
    await _until(entered)

    async with blocking_storage.read() as uow:
        assert (await uow.flows.get(flow.id)) is not None
    assert not long_write.done()

    released.set()
    assert await long_write == 1


async def test_streams_and_run_sync_run_in_the_connection_thread(tmp_path: Path) -> None:
    recorded = Trace()
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "stream.db")  # type: ignore[call-arg]
    loop_thread = threading.get_ident()
    async with open_sqlite(settings.path, settings.pragmas(), connect_hooks=[recorded.hook]) as storage:
        async with storage.write() as uow:
            for i in range(600):  # more than one streamed chunk
                await uow.flows.get_or_create(Flow(name=f"f{i:04d}"))
        async with storage.read() as uow:
            stream = await uow.conn.stream(sa.select(tables.flow.c.name).order_by(tables.flow.c.name))  # type: ignore[attr-defined]
            names = [row.name async for row in stream]
            present = await uow.conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))  # type: ignore[attr-defined]
        async with storage.read() as uow:  # a stream left unfinished is closed with its unit of work
            stream = await uow.conn.stream(sa.select(tables.flow.c.id))  # type: ignore[attr-defined]
            assert (await anext(stream)) is not None
    assert names == [f"f{i:04d}" for i in range(600)]
    assert "flow" in present
    assert recorded.statements and all(thread != loop_thread for thread, _ in recorded.statements)


async def test_a_write_cancelled_mid_statement_is_rolled_back(blocking_storage: SqlStorage, blocking) -> None:  # type: ignore[no-untyped-def]
    entered, released, _ = blocking

    async def write_then_block() -> None:
        async with blocking_storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="never-committed"))
            await uow.conn.execute(sa.text("SELECT wait_for_release()"))  # type: ignore[attr-defined]

    task = asyncio.create_task(write_then_block())
    await _until(entered)
    task.cancel()  # the statement is still running in the writer's thread
    released.set()
    with pytest.raises(asyncio.CancelledError):
        await task

    async with blocking_storage.write() as uow:  # the writer is usable: no transaction left open
        await uow.flows.get_or_create(Flow(name="committed"))
    async with blocking_storage.read() as uow:
        names = (await uow.conn.execute(sa.select(tables.flow.c.name))).scalars().all()  # type: ignore[attr-defined]
    assert names == ["committed"]


async def test_a_long_read_on_the_last_free_reader_holds_no_short_read(tmp_path: Path, blocking) -> None:  # type: ignore[no-untyped-def]
    """With one reader allowed, a short read waits for it only briefly, then opens its own."""
    entered, released, hooks = blocking
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "one.db")  # type: ignore[call-arg]
    async with open_sqlite(settings.path, settings.pragmas(), connect_hooks=hooks, readers=1) as storage:
        long_read = asyncio.create_task(_long(storage, write=False))
        await _until(entered)
        async with storage.read() as uow:
            assert (await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))).scalar_one() == 0  # type: ignore[attr-defined]
        assert not long_read.done()
        released.set()
        assert await long_read == 1


async def test_concurrent_short_reads_share_the_readers(tmp_path: Path) -> None:
    """Many reads at once run on `readers` connections (threads), handed from one read to
    the next, instead of one connection opened and closed per read."""
    recorded = Trace()
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "shared.db")  # type: ignore[call-arg]
    async with open_sqlite(
        settings.path, settings.pragmas(), connect_hooks=[recorded.hook], readers=2, reader_wait=30.0
    ) as storage:

        async def short_read() -> int:
            async with storage.read() as uow:
                return int((await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))).scalar_one())  # type: ignore[attr-defined]

        assert await asyncio.gather(*(short_read() for _ in range(40))) == [0] * 40
    assert len(recorded.connections) == 2


async def test_a_read_cancelled_while_waiting_for_a_reader_leaks_nothing(tmp_path: Path, blocking) -> None:  # type: ignore[no-untyped-def]
    entered, released, hooks = blocking
    recorded = Trace()
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "cancel.db")  # type: ignore[call-arg]
    async with open_sqlite(
        settings.path, settings.pragmas(), connect_hooks=[*hooks, recorded.hook], readers=1, reader_wait=30.0
    ) as storage:
        long_read = asyncio.create_task(_long(storage, write=False))
        await _until(entered)

        async def short_read() -> int:
            async with storage.read() as uow:
                return int((await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow))).scalar_one())  # type: ignore[attr-defined]

        waiting = asyncio.create_task(short_read())
        await asyncio.sleep(0)  # it queues behind the long read
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        released.set()
        assert await long_read == 1
        assert await asyncio.gather(short_read(), short_read()) == [0, 0]  # the one reader, given back
    assert len(recorded.connections) == 1


def test_a_read_waits_for_a_busy_reader_only_while_the_youngest_busy_read_is_young() -> None:
    now = [100.0]
    busy = BusySince(0.01, clock=lambda: now[0])
    assert busy.wait_budget() == pytest.approx(0.01)  # nothing held: the whole patience
    busy.held("a")
    now[0] += 0.004
    assert busy.wait_budget() == pytest.approx(0.006)  # a short read frees it soon: wait the rest
    now[0] += 0.5
    busy.held("b")
    assert busy.wait_budget() == pytest.approx(0.01)  # the youngest decides
    now[0] += 0.02
    assert busy.wait_budget() == 0  # every busy read is a long one: open a connection at once
    busy.freed("a")
    busy.freed("b")
    assert busy.wait_budget() == pytest.approx(0.01)
