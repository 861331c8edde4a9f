"""The PostgreSQL backend against a real server (see tests/support/postgres.py).

Backend-specific behaviour only: jsonb filters and upserts, start-up, migrations
under the advisory lock, pool settings, errors and row locking. What every backend
must do is the contract suite's business (test_contract.py, test_migrations.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.errors import ConfigurationError
from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.schemas import filters as f
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.logs import Log
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.sorting import FlowRunSort, FlowSort
from prefect_core.schemas.states import State, StateType
from prefect_core.settings import Settings
from prefect_storage_postgres.backend import MIGRATION_LOCK_KEY, PostgresBackend
from prefect_storage_postgres.settings import PostgresSettings
from prefect_storage_sql.migrations import head_revision, script_directory
from prefect_storage_sql.storage import SqlStorage
from tests.support.ports import free_port
from tests.support.postgres import PostgresServer


@dataclass
class Filters:
    flows: Any = None
    flow_runs: Any = None
    task_runs: Any = None


@pytest.fixture
def pg_settings(pg_url: str) -> PostgresSettings:
    return PostgresSettings(url=pg_url, pool_size=4)


@pytest.fixture
async def pg_storage(pg_settings: PostgresSettings) -> AsyncIterator[SqlStorage]:
    async with PostgresBackend(pg_settings).open() as storage:
        yield storage


async def scalar(storage: SqlStorage, sql: str, **params: Any) -> Any:
    async with storage.read() as uow:
        return (await uow.conn.execute(sa.text(sql), params)).scalar()


def _with_password(url: str, password: str) -> str:
    """`postgresql://user:old@host...` with the password replaced."""
    head, _, rest = url.partition("@")
    return f"{head.rsplit(':', 1)[0]}:{password}@{rest}"


async def wait_until(condition: Any, what: str, timeout: float = 10.0) -> None:
    """Poll the async `condition` until it is true; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


# --- plugin and round trip ---------------------------------------------------------


@pytest.mark.parametrize("name", ["postgres", "postgresql"])
def test_plugin_provides_the_backend(name: str) -> None:
    settings = Settings.from_env({"PREFECT_DATABASE_BACKEND": name, "PREFECT_DATABASE_POOL_SIZE": "7"})
    backend = select_storage_backend(make_plugin_manager(), settings)
    assert isinstance(backend, PostgresBackend) and backend.settings.pool_size == 7


async def test_round_trip_through_the_repositories(pg_storage: SqlStorage) -> None:
    creator = {"id": "9f1c1d8e-64ad-4a53-a7a0-5a0f4fcb0b53", "type": "DEPLOYMENT"}
    async with pg_storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="etl", tags=["nightly", "db"]))
        assert (await uow.flows.get_or_create(Flow(name="etl"))).id == flow.id
        other = await uow.flows.get_or_create(Flow(name="bare"))
        run = await uow.flow_runs.insert(
            FlowRun(flow_id=flow.id, name="r1", tags=["a"], parameters={"n": 1}, created_by=creator)
        )
        again = await uow.flow_runs.insert(FlowRun(flow_id=flow.id, idempotency_key="k"))
        assert (await uow.flow_runs.insert(FlowRun(flow_id=flow.id, idempotency_key="k"))).id == again.id
        # A JSON string result must come back as that string, not be parsed again.
        await uow.flow_run_states.add(run.id, State(type=StateType.PENDING))
        await uow.flow_run_states.add(run.id, State(type=StateType.RUNNING, data="a string"))
        task = await uow.task_runs.insert(TaskRun(flow_run_id=run.id, task_key="t", dynamic_key="0"))
        same_task = await uow.task_runs.insert(TaskRun(flow_run_id=run.id, task_key="t", dynamic_key="0"))
        assert same_task.id == task.id
        done = State(type=StateType.COMPLETED, data={"value": [1, 2]})
        await uow.task_run_states.add(task.id, done)
        await uow.task_cache.put("key", done, None)
        log = Log(name="l", level=20, message="hello", timestamp=timeutil.now(), flow_run_id=run.id)
        await uow.logs.insert_many([log])

    async with pg_storage.read() as uow:
        stored = await uow.flow_runs.get(run.id)
        assert stored is not None and stored.parameters == {"n": 1}
        assert stored.state is not None and stored.state.type == StateType.RUNNING
        assert stored.state.data == "a string"
        assert [s.type for s in await uow.flow_run_states.history(run.id)] == [StateType.PENDING, StateType.RUNNING]
        stored_task = await uow.task_runs.get(task.id)
        assert stored_task is not None and stored_task.state is not None
        assert stored_task.state.data == {"value": [1, 2]}
        assert stored_task.state.timestamp == done.timestamp
        assert (await uow.task_cache.get("key", timeutil.now())) is not None

        def flows(**tags: Any) -> Filters:
            return Filters(flows=f.FlowFilter(tags=f.FlowFilterTags(**tags)))

        async def flow_ids(filters: Filters) -> list[Any]:
            return [x.id for x in await uow.flows.filter(filters, FlowSort.NAME_ASC, 0, None)]

        assert await flow_ids(flows(all_=["db", "nightly"])) == [flow.id]
        assert await uow.flows.count(flows(all_=["db", "weekly"])) == 0
        assert await flow_ids(flows(is_null_=True)) == [other.id]

        def runs(**criteria: Any) -> Filters:
            return Filters(flow_runs=f.FlowRunFilter(**criteria))

        assert await uow.flow_runs.count(runs(tags=f.FlowRunFilterTags(any_=["a", "zzz"]))) == 1
        assert await uow.flow_runs.count(runs(tags=f.FlowRunFilterTags(any_=["zzz"]))) == 0
        assert await uow.flow_runs.count(runs(tags=f.FlowRunFilterTags(is_null_=True))) == 1
        by_creator = runs(created_by=f.FlowRunFilterCreatedBy(id_=[creator["id"]], type_=["DEPLOYMENT"]))
        assert [r.id for r in await uow.flow_runs.filter(by_creator, FlowRunSort.ID_DESC, 0, None)] == [run.id]
        running = runs(state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=[StateType.RUNNING])))
        assert await uow.task_runs.count(Filters(flow_runs=running.flow_runs)) == 1


async def test_read_units_of_work_cannot_write(pg_storage: SqlStorage) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
        async with pg_storage.read() as uow:
            await uow.flows.get_or_create(Flow(name="nope"))


# --- migrations ---------------------------------------------------------------------


def _all_revisions() -> list[str]:
    return [r.revision for r in reversed(list(script_directory().walk_revisions()))]


async def test_migrations_are_applied_once_and_recorded(
    pg_settings: PostgresSettings, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _all_revisions()
    assert expected and expected[0] == "0001"
    caplog.set_level(logging.INFO, logger="prefect_storage_sql.migrations")

    async with PostgresBackend(pg_settings).open() as storage:
        async with storage.read() as uow:
            first = (await uow.conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert first == [head_revision()]
    applied = [r.getMessage() for r in caplog.records if r.name == "prefect_storage_sql.migrations"]
    assert applied == [f"applied migration {name}" for name in expected]

    caplog.clear()
    async with PostgresBackend(pg_settings).open() as storage:
        async with storage.read() as uow:
            second = (await uow.conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert second == first
    assert [r for r in caplog.records if r.name == "prefect_storage_sql.migrations"] == []


async def test_servers_starting_together_migrate_once(
    pg_settings: PostgresSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="prefect_storage_sql.migrations")

    # Several engines are as good as several processes here: each has its own sessions.
    async def start() -> None:
        async with PostgresBackend(pg_settings).open():
            pass

    await asyncio.gather(*(start() for _ in range(4)))
    applied = [r.getMessage() for r in caplog.records if r.name == "prefect_storage_sql.migrations"]
    assert applied == [f"applied migration {name}" for name in _all_revisions()]  # by one of the four
    async with PostgresBackend(pg_settings).open() as storage:
        assert await scalar(storage, "SELECT string_agg(version_num, ',') FROM alembic_version") == head_revision()


async def test_migrating_waits_for_the_advisory_lock(pg_url: str, pg_settings: PostgresSettings) -> None:
    holder, watcher = await asyncpg.connect(pg_url), await asyncpg.connect(pg_url)
    try:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)

        async def open_once() -> None:
            async with PostgresBackend(pg_settings).open():
                pass

        opening = asyncio.create_task(open_once())

        async def waiting_on_lock() -> bool:
            # Outside a transaction: pg_stat_activity is a snapshot per transaction.
            return bool(
                await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
            )

        await wait_until(waiting_on_lock, "the server to wait on the migration lock")
        assert not opening.done()
        assert await watcher.fetchval("SELECT to_regclass('flow') IS NULL")  # nothing migrated yet
        await holding.commit()
        await asyncio.wait_for(opening, 30)
        assert await watcher.fetchval("SELECT version_num FROM alembic_version") == head_revision()
    finally:
        await holder.close()
        await watcher.close()


# --- connections and locking ----------------------------------------------------------


async def test_pool_and_session_settings(pg_url: str) -> None:
    settings = Settings.from_env(
        {
            "PREFECT_DATABASE_BACKEND": "postgres",
            "PREFECT_DATABASE_URL": pg_url,
            "PREFECT_DATABASE_POOL_SIZE": "3",
            "PREFECT_DATABASE_POOL_MAX_OVERFLOW": "2",
            "PREFECT_DATABASE_STATEMENT_TIMEOUT": "0.5",
        }
    )
    async with select_storage_backend(make_plugin_manager(), settings).open() as storage:
        pool = storage.write_engine.pool
        assert (pool.size(), pool.max_overflow) == (3, 2)  # type: ignore[attr-defined]
        assert storage.read_engine.pool is pool  # one pool for reads and writes
        assert storage.describe()["url"] == _with_password(pg_url, "***")
        assert await scalar(storage, "SELECT current_setting('application_name')") == "prefect-server-py"
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):  # asyncpg cancels it after command_timeout
            await scalar(storage, "SELECT pg_sleep(10)")
        assert loop.time() - started < 5
        await storage.ping()  # the connection survived the cancellation


async def test_read_settings_do_not_leak_into_writes(pg_url: str) -> None:
    # One connection, used by a read-only unit of work and then by a writer.
    settings = PostgresSettings(url=pg_url, pool_size=1, pool_max_overflow=0)
    async with PostgresBackend(settings).open() as storage:
        assert await scalar(storage, "SELECT current_setting('transaction_isolation')") == "repeatable read"
        async with storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="written"))
            level = (await uow.conn.execute(sa.text("SELECT current_setting('transaction_isolation')"))).scalar()
        assert level == "read committed"


async def test_url_options_reach_the_server(pg_url: str) -> None:
    url = pg_url + "?application_name=custom&sslmode=disable&connect_timeout=5"
    async with PostgresBackend(PostgresSettings(url=url)).open() as storage:
        assert await scalar(storage, "SELECT current_setting('application_name')") == "custom"
        assert await scalar(storage, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") is False
    asyncpg_url = pg_url.replace("postgresql://", "postgresql+asyncpg://")
    async with PostgresBackend(PostgresSettings(url=asyncpg_url)).open() as storage:
        await storage.ping()


async def a_writer_waits_on_a_row_lock(storage: SqlStorage) -> bool:
    """Whether a connection to the test database waits on a row lock."""
    waiting = await scalar(
        storage,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple')",
    )
    return bool(waiting)


async def test_for_update_makes_a_second_writer_wait(pg_storage: SqlStorage) -> None:
    async with pg_storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="locks"))
        run = await uow.flow_runs.insert(FlowRun(flow_id=flow.id, name="before"))

    events: list[str] = []
    first_locked, release_first = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with pg_storage.write() as uow:
            await uow.flow_runs.get(run.id, for_update=True)
            events.append("first locked")
            first_locked.set()
            await release_first.wait()
            await uow.flow_runs.update(run.id, {"name": "by first"})
            events.append("first commits")

    async def second() -> FlowRun | None:
        await first_locked.wait()
        async with pg_storage.write() as uow:
            seen = await uow.flow_runs.get(run.id, for_update=True)
            events.append("second locked")
            return seen

    tasks = asyncio.gather(first(), second())

    try:
        await wait_until(lambda: a_writer_waits_on_a_row_lock(pg_storage), "the second writer to block on the row lock")
        assert events == ["first locked"]
    finally:
        release_first.set()
        _, seen = await asyncio.wait_for(tasks, 30)
    assert events == ["first locked", "first commits", "second locked"]
    assert seen is not None and seen.name == "by first"  # it read the committed row


async def test_a_writer_that_waited_for_the_lock_reads_the_state_the_other_one_wrote(
    pg_storage: SqlStorage,
) -> None:
    """The locking read joins the run's state; a writer that had to wait for the lock while
    another changed the state must still read the new state (not the one joined before it
    waited, nor none)."""
    async with pg_storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="locks"))
        run = await uow.flow_runs.insert(FlowRun(flow_id=flow.id, name="stateful"))
        pending = State(type=StateType.PENDING)
        await uow.flow_run_states.add(run.id, pending, {})

    first_locked, release_first = asyncio.Event(), asyncio.Event()
    running = State(type=StateType.RUNNING)

    async def first() -> None:
        async with pg_storage.write() as uow:
            seen = await uow.flow_runs.get(run.id, for_update=True)
            assert seen is not None and seen.state is not None and seen.state.id == pending.id
            first_locked.set()
            await release_first.wait()
            await uow.flow_run_states.add(run.id, running, {})

    async def second() -> FlowRun | None:
        await first_locked.wait()
        async with pg_storage.write() as uow:
            return await uow.flow_runs.get(run.id, for_update=True)

    tasks = asyncio.gather(first(), second())

    try:
        await wait_until(lambda: a_writer_waits_on_a_row_lock(pg_storage), "the second writer to block on the row lock")
    finally:
        release_first.set()
        _, seen = await asyncio.wait_for(tasks, 30)
    assert seen is not None and seen.state_id == running.id
    assert seen.state is not None and seen.state.id == running.id and seen.state.type is StateType.RUNNING


# --- start-up errors ---------------------------------------------------------------------


#: id: (URL made from the superuser URL of the running test server, expected message part)
START_UP_ERRORS: dict[str, tuple[Any, str]] = {
    "missing": (lambda url: None, "PREFECT_DATABASE_URL must be set"),
    "wrong-scheme": (lambda url: "mysql://u:secret@localhost/db", "must be a postgresql:// URL"),
    "bad-port": (lambda url: "postgresql://u:secret@localhost:port/db", "port that is not a number"),
    "bad-option": (lambda url: "postgresql://u:secret@localhost/db?sslmode=sometimes", "sslmode"),
    "refused": (lambda url: f"postgresql://u:secret@127.0.0.1:{free_port()}/db", "connection refused"),
    "bad-password": (lambda url: _with_password(url, "secret"), "password authentication failed"),
    "no-database": (lambda url: url.rsplit("/", 1)[0] + "/no_such_db", 'database "no_such_db" does not exist'),
    "ssl-required": (lambda url: url + "?sslmode=require", "rejected SSL"),
}


@pytest.mark.parametrize("make_url, expected", list(START_UP_ERRORS.values()), ids=list(START_UP_ERRORS))
async def test_start_up_errors_are_one_clear_configuration_error(
    postgres_server: PostgresServer, make_url: Any, expected: str
) -> None:
    url = make_url(postgres_server.url)
    settings = PostgresSettings(url=url, connect_timeout=5)
    with pytest.raises(ConfigurationError) as err:
        async with PostgresBackend(settings).open():
            pass
    message = str(err.value)
    assert expected in message
    assert "\n" not in message
    assert "secret" not in message and postgres_server.password not in message
    # No chained traceback under the message.
    assert err.value.__cause__ is None
    assert err.value.__context__ is None or err.value.__suppress_context__
