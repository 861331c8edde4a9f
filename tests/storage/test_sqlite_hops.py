"""Thread hops of the SQLite engine's writes: a write whose result nobody reads (a state
row, the run's current state, a plain insert read back at once, events, logs) rides with
the unit of work's next statement or its COMMIT, so a transaction costs fewer hops than
statements, and stays one transaction: all of it or none of it, one writer at a time.

Hops are counted at the engine's one entry into a connection's thread
(`SqliteConnection._in_thread`); statements by SQLite's own trace callback.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from prefect_core.errors import Conflict
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.states import State, StateType
from prefect_storage_sql import tables
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sqlite.backend import open_sqlite
from prefect_storage_sqlite.settings import SqliteSettings
from prefect_storage_sqlite.threaded import SqliteConnection
from tests.conftest import only_on

_on_sqlite = only_on("sqlite")


class Counter:
    def __init__(self) -> None:
        self.hops = 0
        self.statements: list[str] = []
        self._lock = threading.Lock()

    def hook(self, db: sqlite3.Connection) -> None:
        def traced(sql: str) -> None:
            with self._lock:
                self.statements.append(sql.split(None, 1)[0].upper())

        db.set_trace_callback(traced)

    def reset(self) -> None:
        self.hops, self.statements = 0, []


@pytest.fixture
async def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[SqlStorage, Counter]]:
    counter = Counter()
    original = SqliteConnection._in_thread

    async def counting(self: SqliteConnection, fn: Any, *args: Any) -> Any:
        counter.hops += 1
        return await original(self, fn, *args)

    monkeypatch.setattr(SqliteConnection, "_in_thread", counting)
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "hops.db")  # type: ignore[call-arg]
    async with open_sqlite(settings.path, settings.pragmas(), connect_hooks=[counter.hook]) as storage:
        async with storage.write() as uow:
            flow = await uow.flows.get_or_create(Flow(name="hops"))
        storage.flow_id = flow.id  # type: ignore[attr-defined]
        yield storage, counter


async def _run(storage: SqlStorage) -> uuid.UUID:
    async with storage.write() as uow:
        run = await uow.flow_runs.insert(FlowRun(flow_id=storage.flow_id))  # type: ignore[attr-defined]
    return run.id


async def test_a_state_write_is_one_hop_with_its_commit(counted) -> None:  # type: ignore[no-untyped-def]
    storage, counter = counted
    run_id = await _run(storage)
    counter.reset()
    async with storage.write() as uow:
        await uow.flow_run_states.add(run_id, State(type=StateType.RUNNING))
    # BEGIN, the state INSERT, the run UPDATE and COMMIT in one job (it was three hops).
    assert counter.hops == 1
    assert counter.statements == ["BEGIN", "INSERT", "UPDATE", "COMMIT"]
    async with storage.read() as uow:
        run = await uow.flow_runs.get(run_id)
    assert run is not None and run.state_type == StateType.RUNNING


async def test_a_read_after_deferred_writes_sees_them_in_the_same_hop(counted) -> None:  # type: ignore[no-untyped-def]
    storage, counter = counted
    counter.reset()
    async with storage.write() as uow:
        run = await uow.flow_runs.insert(FlowRun(flow_id=storage.flow_id))  # type: ignore[attr-defined]
        assert counter.hops == 0  # the INSERT waits for the next statement (the run is not read back)
        await uow.flow_run_states.add(run.id, State(type=StateType.PENDING))
        again = await uow.flow_runs.get(run.id)
        assert counter.hops == 1 and again is not None and again.state_type == StateType.PENDING
    assert counter.hops == 2  # the COMMIT
    assert counter.statements == ["BEGIN", "INSERT", "INSERT", "UPDATE", "SELECT", "COMMIT"]


async def test_a_failing_deferred_write_fails_its_unit_of_work_and_leaves_nothing(counted) -> None:  # type: ignore[no-untyped-def]
    storage, _ = counted
    run_id = await _run(storage)
    state = State(type=StateType.RUNNING)
    async with storage.write() as uow:
        await uow.flow_run_states.add(run_id, state)
    with pytest.raises(Conflict):  # the same state id again: the INSERT fails at COMMIT
        async with storage.write() as uow:
            await uow.flow_runs.update(run_id, {"name": "renamed"})
            await uow.flow_run_states.add(run_id, state.model_copy(update={"type": StateType.FAILED}))
    async with storage.read() as uow:
        run = await uow.flow_runs.get(run_id)
        states = await uow.flow_run_states.history(run_id)
    assert run is not None and run.name != "renamed" and run.state_type == StateType.RUNNING
    assert [s.type for s in states] == [StateType.RUNNING]
    async with storage.write() as uow:  # the writer is usable again: no transaction left open
        await uow.flow_run_states.add(run_id, State(type=StateType.COMPLETED))
    async with storage.read() as uow:
        assert (await uow.flow_runs.get(run_id)).state_type == StateType.COMPLETED  # type: ignore[union-attr]


async def test_deferred_writes_of_a_rolled_back_or_cancelled_unit_never_land(counted) -> None:  # type: ignore[no-untyped-def]
    storage, _ = counted
    run_id = await _run(storage)
    with pytest.raises(RuntimeError):
        async with storage.write() as uow:
            await uow.flow_run_states.add(run_id, State(type=StateType.RUNNING))
            raise RuntimeError("the use case changed its mind")
    started = asyncio.Event()

    async def cancelled_midway() -> None:
        async with storage.write() as uow:
            await uow.flow_run_states.add(run_id, State(type=StateType.CRASHED))
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(cancelled_midway())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with storage.read() as uow:
        assert await uow.flow_run_states.history(run_id) == []
        assert (await uow.flow_runs.get(run_id)).state_type is None  # type: ignore[union-attr]


async def test_concurrent_writers_with_deferred_writes_stay_serial_and_complete(counted) -> None:  # type: ignore[no-untyped-def]
    storage, _ = counted
    run_ids = [await _run(storage) for _ in range(5)]

    async def transitions(run_id: uuid.UUID) -> None:
        for state_type in (StateType.PENDING, StateType.RUNNING, StateType.COMPLETED):
            async with storage.write() as uow:
                await uow.flow_runs.get(run_id, for_update=True)
                await uow.flow_run_states.add(run_id, State(type=state_type))

    await asyncio.gather(*(transitions(r) for r in run_ids for _ in range(2)))
    async with storage.read() as uow:
        for run_id in run_ids:
            assert (await uow.flow_runs.get(run_id)).state_type == StateType.COMPLETED  # type: ignore[union-attr]
            assert len(await uow.flow_run_states.history(run_id)) == 6
        total = (await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.flow_run_state))).scalar_one()  # type: ignore[attr-defined]
    assert total == 30
