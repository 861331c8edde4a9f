"""The PostgreSQL engine on asyncpg directly (prefect_storage_postgres/engine.py), against a real
server: statements compiled once and prepared once per connection, bound values, IN lists,
defaults, executemany, RETURNING, streamed rows, run_sync inside the transaction, the
pool's handling of dropped, cancelled and failed connections, and errors as SQLAlchemy's."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.errors import Conflict
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.sorting import FlowRunSort
from prefect_storage_postgres.backend import PostgresBackend
from prefect_storage_postgres.engine import CUSTOM_PLANS_BEFORE_GENERIC, PgEngine
from prefect_storage_postgres.settings import PostgresSettings
from prefect_storage_sql import tables
from prefect_storage_sql.storage import SqlStorage
from tests.conftest import only_on

flow = tables.flow


_on_postgres = only_on("postgres")


@pytest.fixture
async def pg_storage(pg_url: str) -> AsyncIterator[SqlStorage]:
    async with PostgresBackend(PostgresSettings(url=pg_url, pool_size=2, pool_max_overflow=1)).open() as storage:
        async with storage.write() as uow:
            for name in ("a", "b", "c"):
                await uow.flows.get_or_create(Flow(name=name, tags=[name]))
        yield storage


async def _server_prepared(conn: object) -> list[str]:
    rows = await conn.execute(sa.text("SELECT statement FROM pg_prepared_statements"))  # type: ignore[attr-defined]
    return [r[0] for r in rows]


async def test_one_shape_is_compiled_once_and_prepared_once_per_connection(pg_storage) -> None:
    engine = pg_storage.read_engine
    assert isinstance(engine, PgEngine)
    sent: list[str] = []
    engine.statement_listeners.append(lambda sql, params: sent.append(sql))
    async with pg_storage.read() as uow:
        found = [
            (await uow.conn.execute(sa.select(flow.c.name).where(flow.c.name == name))).scalar_one()
            for name in ("a", "b", "c", "a", "b")
        ]
        texts = set(sent)
        on_server = await _server_prepared(uow.conn)
    assert found == ["a", "b", "c", "a", "b"]
    assert len(texts) == 1 and "$1" in sent[0]  # one SQL text, the value bound
    assert on_server.count(sent[0]) == 1  # prepared once on this connection, reused
    prepared = {engine.statements.prepare(sa.select(flow.c.name).where(flow.c.name == n), (), False)[0] for n in "xy"}
    assert len(prepared) == 1


async def _prepare_times(conn: object, sql: str) -> list[dt.datetime]:
    rows = await conn.execute(  # type: ignore[attr-defined]
        sa.text("SELECT prepare_time FROM pg_prepared_statements WHERE statement = :sql"), {"sql": sql}
    )
    return sorted(r[0] for r in rows)


async def test_a_statement_is_prepared_again_once_it_is_older_than_the_max_age(pg_url: str) -> None:
    # A generic plan lives as long as its prepared statement: preparing again is what lets
    # a plan made for a nearly empty table give way once the table has grown.
    settings = PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=0, prepared_statement_max_age=0.5)
    async with PostgresBackend(settings).open() as storage:
        engine = storage.read_engine
        assert isinstance(engine, PgEngine)
        sent: list[str] = []
        engine.statement_listeners.append(lambda sql, params: sent.append(sql))
        query = sa.select(flow.c.name).where(flow.c.name == "nobody")
        async with storage.read() as uow:
            await uow.conn.execute(query)
            sql = sent[-1]
            first = await _prepare_times(uow.conn, sql)
            await uow.conn.execute(query)
            assert await _prepare_times(uow.conn, sql) == first  # young: reused
            await asyncio.sleep(0.6)
            for _ in range(CUSTOM_PLANS_BEFORE_GENERIC - 1):  # uses three to six
                await uow.conn.execute(query)
            # Old, but run no more than PostgreSQL's custom plans and the first generic one.
            assert await _prepare_times(uow.conn, sql) == first
            await uow.conn.execute(query)  # the seventh: a generic plan may be cached, renewed
            again = await _prepare_times(uow.conn, sql)
    assert len(first) == 1 and max(again) > first[0]


async def test_a_first_page_keeps_one_plan_instead_of_being_planned_at_every_call(pg_url: str) -> None:
    # A bound LIMIT makes PostgreSQL plan for a tenth of the table and, finding that plan
    # costly, plan the statement again at every call; the LIMIT written in lets it keep one.
    settings = PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=0)
    async with PostgresBackend(settings).open() as storage:
        async with storage.write() as uow:
            made = await uow.flows.get_or_create(Flow(name="paged"))
            for n in range(3):
                await uow.flow_runs.insert(FlowRun(flow_id=made.id, name=f"run-{n}"))
        engine = storage.read_engine
        assert isinstance(engine, PgEngine)
        sent: list[str] = []
        engine.statement_listeners.append(lambda sql, params: sent.append(sql))
        async with storage.read() as uow:
            for _ in range(8):
                page = await uow.flow_runs.filter(RunFilterBody(), FlowRunSort.ID_DESC, 0, 10)
            deeper = await uow.flow_runs.filter(RunFilterBody(), FlowRunSort.ID_DESC, 1, 10)
            page_sql = next(sql for sql in sent if "LIMIT 10" in sql)
            rows = await uow.conn.execute(
                sa.text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = :sql"),
                {"sql": page_sql},
            )
            generic, custom = rows.one()
    assert len(page) == 3 and len(deeper) == 2
    assert generic >= 7 and custom <= 1
    assert any("LIMIT $" in sql and "OFFSET $" in sql for sql in sent)  # other pages bind them


async def test_values_convert_as_the_column_types_say(pg_storage) -> None:
    async with pg_storage.read() as uow:
        row = (await uow.conn.execute(sa.select(flow).where(flow.c.name == "a"))).one()
        mapped = (await uow.conn.execute(sa.select(flow.c.id, flow.c.tags).where(flow.c.name == "b"))).mappings().one()
    assert isinstance(row.id, uuid.UUID) and row.tags == ["a"] and row._mapping["name"] == "a"
    assert isinstance(row.created, dt.datetime) and row.created.utcoffset() == dt.timedelta(0)
    assert mapped["tags"] == ["b"] and isinstance(mapped["id"], uuid.UUID)


async def test_in_lists_defaults_executemany_returning_and_rowcount(pg_storage) -> None:
    async with pg_storage.read() as uow:
        rows = (await uow.conn.execute(sa.select(flow.c.name).where(flow.c.name.in_(["a", "c"])))).scalars().all()
        assert sorted(rows) == ["a", "c"]
        three = (await uow.conn.execute(sa.select(flow.c.name).where(flow.c.name.in_(["a", "b", "c"])))).all()
        assert len(three) == 3  # another length of the same IN list: its own expansion
        assert (await uow.conn.execute(sa.select(flow.c.name).where(flow.c.name.in_([])))).all() == []
    limit_t = tables.concurrency_limit_v2
    ids, now = [uuid.uuid4(), uuid.uuid4()], timeutil.now()
    async with pg_storage.write() as uow:
        # `active`, `active_slots`, ... are filled from the columns' defaults; two rows: executemany.
        await uow.conn.execute(
            sa.insert(limit_t),
            [
                {"id": i, "name": f"l{n}", "limit": 3, "slots_as_of": 0.0, "created": now, "updated": now}
                for n, i in enumerate(ids)
            ],
        )
        update = sa.update(limit_t).where(limit_t.c.id == ids[0]).values(active_slots=2)
        returned = (await uow.conn.execute(update.returning(limit_t.c.id))).scalars().all()
        assert returned == [ids[0]]
        changed = await uow.conn.execute(sa.update(limit_t).values(denied_slots=1))
        assert changed.rowcount == 2
    async with pg_storage.read() as uow:
        stored = (await uow.conn.execute(sa.select(limit_t).order_by(limit_t.c.name))).mappings().all()
    assert [(m["id"], m["active"], m["active_slots"], m["denied_slots"]) for m in stored] == [
        (ids[0], True, 2, 1),
        (ids[1], True, 0, 1),
    ]


async def test_streamed_rows_arrive_converted(pg_storage) -> None:
    async with pg_storage.write() as uow:
        for n in range(600):  # more than one chunk
            await uow.flows.get_or_create(Flow(name=f"s{n:03d}"))
    async with pg_storage.read() as uow:
        result = await uow.conn.stream(sa.select(flow.c.name, flow.c.id).where(flow.c.name.like("s%")).order_by("name"))
        rows = [row async for row in result]
    assert [row.name for row in rows] == [f"s{n:03d}" for n in range(600)]
    assert all(isinstance(row.id, uuid.UUID) for row in rows)


async def test_run_sync_runs_inside_the_transaction(pg_storage) -> None:
    with pytest.raises(RuntimeError, match="undo"):
        async with pg_storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="uncommitted"))
            seen = await uow.conn.run_sync(
                lambda sync: sync.execute(sa.text("SELECT count(*) FROM flow WHERE name = 'uncommitted'")).scalar()
            )
            assert seen == 1  # the sync connection is this transaction's
            raise RuntimeError("undo")
    async with pg_storage.read() as uow:
        assert (await uow.conn.execute(sa.select(flow.c.id).where(flow.c.name == "uncommitted"))).first() is None
        tables_seen = await uow.conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
    assert "flow_run" in tables_seen


async def test_integrity_errors_keep_their_meaning_and_the_connection_recovers(pg_storage) -> None:
    now = timeutil.now()
    with pytest.raises(Conflict) as raised:
        async with pg_storage.write() as uow:
            await uow.conn.execute(
                sa.insert(flow),
                {"id": uuid.uuid4(), "name": "a", "tags": [], "labels": {}, "created": now, "updated": now},
            )
    cause = raised.value.__cause__
    assert isinstance(cause, sa.exc.IntegrityError) and cause.orig.sqlstate == "23505"  # type: ignore[union-attr]
    async with pg_storage.write() as uow:  # the failed transaction was rolled back
        assert (await uow.conn.execute(sa.select(sa.func.count()).select_from(flow))).scalar_one() == 3


async def test_a_cancelled_write_is_rolled_back_and_its_connection_reused(pg_storage) -> None:
    started = asyncio.Event()

    async def slow_write() -> None:
        async with pg_storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="cancelled"))
            started.set()
            await uow.conn.execute(sa.text("SELECT pg_sleep(30)"))

    task = asyncio.create_task(slow_write())
    await started.wait()
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with pg_storage.read() as uow:
        assert (await uow.conn.execute(sa.select(flow.c.id).where(flow.c.name == "cancelled"))).first() is None

    async def hold() -> int:
        async with pg_storage.write() as uow:
            pid = (await uow.conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
            await uow.conn.execute(sa.text("SELECT pg_sleep(0.1)"))
            return int(pid)

    # All three connections the pool may open are in use at once: the cancelled one came back.
    assert len(set(await asyncio.wait_for(asyncio.gather(hold(), hold(), hold()), 20))) == 3


async def test_a_connection_the_server_dropped_is_replaced(pg_storage, pg_url: str) -> None:
    async with pg_storage.read() as uow:
        pid = (await uow.conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
    other = await asyncpg.connect(pg_url)
    try:
        assert await other.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await other.close()
    await asyncio.sleep(0.2)  # the loop sees the socket close
    pids = set()
    for _ in range(4):
        async with pg_storage.read() as uow:
            pids.add((await uow.conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())
    assert pid not in pids
