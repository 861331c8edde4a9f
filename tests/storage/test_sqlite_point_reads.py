"""Point reads (one row by primary key) run on reader threads at the process's priority, every
other read on the niced readers (prefect_storage_sqlite.lanes); which statements count as one."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from prefect_core.schemas.bodies.queries import FlowRunQuery, RunFilterBody
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import by_id
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sqlite.backend import SqliteBackend, open_sqlite
from prefect_storage_sqlite.engine import SqliteEngine
from prefect_storage_sqlite.lanes import ReadLanes, is_point_read
from prefect_storage_sqlite.settings import SqliteSettings
from tests.conftest import only_on

_on_sqlite = only_on("sqlite")

READER_NICE = 7
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


class NiceTrace:
    """The nice value of the thread that ran each SELECT (sqlite3 calls the trace callback in
    the thread running the statement)."""

    def __init__(self) -> None:
        self.selects: list[int] = []
        self._lock = threading.Lock()

    def hook(self, db: sqlite3.Connection) -> None:
        def traced(sql: str) -> None:
            if sql.lstrip().upper().startswith("SELECT"):
                nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
                with self._lock:
                    self.selects.append(nice)

        db.set_trace_callback(traced)

    def take(self) -> set[int]:
        with self._lock:
            seen, self.selects = set(self.selects), []
        return seen


@asynccontextmanager
async def _storage(tmp_path: Path, trace: NiceTrace, point_readers: int) -> AsyncIterator[SqlStorage]:
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "lanes.db")
    async with open_sqlite(
        settings.path,
        settings.pragmas(),
        connect_hooks=[trace.hook],
        reader_nice=READER_NICE,
        point_readers=point_readers,
    ) as storage:
        yield storage


def _own_priority_below_the_readers() -> int:
    """The test process's nice value; skips the test if the readers' would not differ from it."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    if own >= READER_NICE:
        pytest.skip("the test process already runs at least as nice as the readers")
    return own


async def _a_run(storage: SqlStorage) -> FlowRun:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="lanes"))
        return await uow.flow_runs.insert(FlowRun(flow_id=flow.id, tags=["t"]))


@linux_only
async def test_a_point_read_runs_at_the_process_priority_and_the_other_reads_niced(tmp_path: Path) -> None:
    own = _own_priority_below_the_readers()
    trace = NiceTrace()
    async with _storage(tmp_path, trace, point_readers=2) as storage:
        run = await _a_run(storage)
        trace.take()
        async with storage.read(one_query=True) as uow:
            found = await uow.flow_runs.get(run.id)
            document = await uow.flow_runs.get_document(run.id)
        assert found is not None and found.id == run.id and document is not None
        assert trace.take() == {own}
        async with storage.read(one_query=True) as uow:
            assert await uow.flow_runs.count(RunFilterBody()) == 1
            assert [r.id for r in await uow.flow_runs.filter(FlowRunQuery(), FlowRunQuery().sort, 0, 10)] == [run.id]
        assert trace.take() == {READER_NICE}
        async with storage.read() as uow:
            assert await uow.flow_runs.get(run.id) is not None
            await uow.flow_runs.count(RunFilterBody())  # after a point read: its connection
        assert trace.take() == {own}


@linux_only
async def test_without_point_readers_every_read_runs_niced(tmp_path: Path) -> None:
    _own_priority_below_the_readers()
    trace = NiceTrace()
    async with _storage(tmp_path, trace, point_readers=0) as storage:
        run = await _a_run(storage)
        trace.take()
        async with storage.read(one_query=True) as uow:
            assert await uow.flow_runs.get(run.id) is not None
        assert trace.take() == {READER_NICE}


async def test_statements_issued_together_share_the_read_connection(tmp_path: Path) -> None:
    trace = NiceTrace()
    async with _storage(tmp_path, trace, point_readers=2) as storage:
        run = await _a_run(storage)
        lanes = storage.read_engine
        assert isinstance(lanes, ReadLanes)
        async with storage.read() as uow:
            found = await asyncio.gather(uow.flow_runs.get(run.id), uow.flow_runs.count(RunFilterBody()))
            # One connection for the unit: the other lane opened none for it.
            assert len(lanes.light._open) == 1 and not lanes.heavy._open
        assert found[0] is not None and found[0].id == run.id and found[1] == 1


def test_a_lookup_by_primary_key_is_a_point_read_and_nothing_else_is() -> None:
    run, state = tables.flow_run, tables.flow_run_state
    joined = sa.select(run, state.c.name).select_from(run.outerjoin(state, state.c.id == run.c.state_id))
    assert is_point_read(joined.where(by_id(run)))
    assert is_point_read(sa.select(run).where(sa.and_(run.c.name == "x", run.c.id == sa.bindparam("i"))))
    assert is_point_read(sa.select(run).where(run.c.name == "x").where(sa.bindparam("i") == run.c.id))
    assert not is_point_read(sa.select(run).where(run.c.name == "x"))  # not the key
    assert not is_point_read(sa.select(run).where(run.c.id.in_([1, 2])))
    assert not is_point_read(sa.select(run).where(sa.or_(run.c.id == sa.bindparam("i"), run.c.name == "x")))
    assert not is_point_read(sa.select(run).where(run.c.id == run.c.parent_task_run_id))
    assert not is_point_read(
        sa.select(run.c.id, sa.func.count()).where(run.c.id == sa.bindparam("i")).group_by(run.c.id)
    )
    assert not is_point_read(sa.select(sa.func.count()).select_from(run))
    assert not is_point_read(sa.text("SELECT * FROM flow_run WHERE id = :i"))
    assert not is_point_read(sa.update(run).where(by_id(run)))


async def test_the_point_readers_setting_decides_whether_reads_take_two_lanes(tmp_path: Path) -> None:
    assert SqliteSettings.from_env({}).point_readers == 2
    for environ, lanes in (
        ({}, True),
        ({"PREFECT_SQLITE_POINT_READERS": "0"}, False),
        ({"PREFECT_SQLITE_READER_NICE": "0"}, False),  # both lanes would run alike
    ):
        settings = SqliteSettings.from_env({"PREFECT_DATABASE_PATH": str(tmp_path / "s.db"), **environ})
        async with SqliteBackend(settings).open() as storage:
            assert isinstance(storage.read_engine, ReadLanes if lanes else SqliteEngine), environ
            async with storage.read(one_query=True) as uow:
                assert await uow.flow_runs.get(FlowRun(flow_id=Flow(name="f").id).id) is None
