"""Reads declared to be one query (`Storage.read(one_query=True)`) on PostgreSQL: the use cases that
declare it send exactly one statement, with no transaction around it (one round trip); a
further statement in such a read still runs in a read-only snapshot; and a connection that a
previous read left in its transaction is not read from that old snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from prefect_core.schemas.bodies.queries import FlowQuery, FlowRunQuery, RunFilterBody, TaskRunQuery
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.services.flow_runs import FlowRunService
from prefect_core.services.flows import FlowService
from prefect_core.services.task_runs import TaskRunService
from prefect_storage_postgres.backend import PostgresBackend
from prefect_storage_postgres.engine import PgConnection
from prefect_storage_postgres.settings import PostgresSettings
from prefect_storage_sql import tables
from prefect_storage_sql.storage import SqlStorage
from tests.conftest import only_on

_on_postgres = only_on("postgres")


@pytest.fixture
async def storage(pg_url: str) -> AsyncIterator[SqlStorage]:
    async with PostgresBackend(PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=0)).open() as opened:
        yield opened


async def test_the_declared_use_cases_send_one_statement_outside_a_transaction(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="one"))
        run = await uow.flow_runs.insert(FlowRun(flow_id=flow.id, name="r"))
        task = await uow.task_runs.insert(TaskRun(flow_run_id=run.id, task_key="t", dynamic_key="0"))
    flows, runs = FlowService(storage), FlowRunService(storage, None)  # type: ignore[arg-type]
    tasks = TaskRunService(storage, None)  # type: ignore[arg-type]
    calls: dict[str, Any] = {
        "flows.read": lambda: flows.read(flow.id),
        "flows.filter": lambda: flows.filter(FlowQuery()),
        "flows.read_document": lambda: flows.read_document(flow.id),
        "flows.read_document_by_name": lambda: flows.read_document_by_name("one"),
        "flows.filter_documents": lambda: flows.filter_documents(FlowQuery()),
        "flow_runs.read": lambda: runs.read(run.id),
        "flow_runs.read_document": lambda: runs.read_document(run.id),
        "flow_runs.filter": lambda: runs.filter(FlowRunQuery()),
        "flow_runs.filter_documents": lambda: runs.filter_documents(FlowRunQuery()),
        "flows.read_by_name": lambda: flows.read_by_name("one"),
        "flows.count": lambda: flows.count(RunFilterBody()),
        "flow_runs.count": lambda: runs.count(RunFilterBody()),
        "flow_runs.states": lambda: runs.states(run.id),
        "task_runs.read": lambda: tasks.read(task.id),
        "task_runs.read_document": lambda: tasks.read_document(task.id),
        "task_runs.filter": lambda: tasks.filter(TaskRunQuery()),
        "task_runs.filter_documents": lambda: tasks.filter_documents(TaskRunQuery()),
        "task_runs.count": lambda: tasks.count(RunFilterBody()),
        "task_runs.states": lambda: tasks.states(task.id),
    }
    empty = {"flow_runs.states", "task_runs.states"}  # no state set: no states, still one query
    engine = storage.one_query_engine
    assert engine is not storage.read_engine
    sent: list[str] = []
    engine.statement_listeners.append(lambda sql, params: sent.append(sql))  # type: ignore[attr-defined]
    simple: list[str] = []
    send_begin = PgConnection._send_begin

    async def recording_send_begin(self: PgConnection) -> None:
        if self._begin is not None:
            simple.append(self._begin)  # a BEGIN round trip: what a one-query read must not need
        await send_begin(self)

    monkeypatch.setattr(PgConnection, "_send_begin", recording_send_begin)
    for name, call in calls.items():
        sent.clear()
        result = await call()
        assert result or name in empty, name
        assert len(sent) == 1, (name, sent)
    assert simple == []
    async with storage.read(one_query=True) as uow:
        assert (await uow.conn.execute(sa.select(sa.literal(1)))).scalar() == 1  # outside a transaction
        assert (await uow.conn.execute(sa.text("SELECT current_setting('transaction_read_only')"))).scalar() == "on"
    assert simple == ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"]  # the second statement began it


async def test_a_second_statement_runs_in_a_read_only_snapshot(storage: SqlStorage, pg_url: str) -> None:
    other = await asyncpg.connect(pg_url)
    try:
        async with storage.read(one_query=True) as uow:
            count = sa.select(sa.func.count()).select_from(tables.flow)
            assert (await uow.conn.execute(count)).scalar() == 0
            assert (await uow.conn.execute(count)).scalar() == 0  # begins the snapshot
            await other.execute(
                "INSERT INTO flow (id, name, tags, labels, created, updated)"
                " VALUES (gen_random_uuid(), 'x', '[]', '{}', now(), now())"
            )
            assert (await uow.conn.execute(count)).scalar() == 0  # still that snapshot
            with pytest.raises(Exception, match="read-only"):
                await uow.conn.execute(sa.text("DELETE FROM flow"))
    finally:
        await other.close()


async def test_a_one_query_read_after_a_read_sees_what_was_committed_since(storage: SqlStorage, pg_url: str) -> None:
    count = sa.select(sa.func.count()).select_from(tables.flow)
    async with storage.read() as uow:  # leaves its transaction for the next BEGIN to end
        assert (await uow.conn.execute(count)).scalar() == 0
    other = await asyncpg.connect(pg_url)
    try:
        await other.execute(
            "INSERT INTO flow (id, name, tags, labels, created, updated)"
            " VALUES (gen_random_uuid(), 'x', '[]', '{}', now(), now())"
        )
    finally:
        await other.close()
    async with storage.read(one_query=True) as uow:  # the same, only connection
        assert (await uow.conn.execute(count)).scalar() == 1
