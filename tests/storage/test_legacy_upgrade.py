"""A database made by the SQL-file migrations (before Alembic) upgrades in place.

The old databases are rebuilt from the old server's own files, kept as fixtures in
tests/data/legacy_schema/: its migration scripts, its `_migrations` ledger, and rows
it stored through its API. The new code must adopt such a database at the right
revision, keep every row readable through the API, and leave exactly the declared
schema behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from prefect_core.errors import ConfigurationError
from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.settings import Settings
from prefect_http.app import create_app
from prefect_storage_sql import tables
from prefect_storage_sql.migrations import current_revision, head_revision
from prefect_storage_sql.migrations.legacy import LEGACY_LEDGERS
from tests.support.schema import legacy_files, make_legacy_postgres, make_legacy_sqlite, schema_differences

#: Each test builds the legacy schema itself, on an empty database.
pytestmark = pytest.mark.empty_database


async def run_sql(settings: Settings, statement: str) -> list[tuple[object, ...]]:
    """One statement on the database, outside the server's code (committed)."""
    if settings.database_backend == "sqlite":
        connection = sqlite3.connect(settings.environ["PREFECT_DATABASE_PATH"])
        try:
            rows = connection.execute(statement).fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()
    import asyncpg

    pg = await asyncpg.connect(settings.environ["PREFECT_DATABASE_URL"])
    try:
        return [tuple(r) for r in await pg.fetch(statement)]
    finally:
        await pg.close()


async def make_legacy(settings: Settings, names: list[str] | None = None, *, rows: bool = True) -> None:
    if settings.database_backend == "sqlite":
        make_legacy_sqlite(Path(settings.environ["PREFECT_DATABASE_PATH"]), names, rows=rows)
    else:
        await make_legacy_postgres(settings.environ["PREFECT_DATABASE_URL"], names, rows=rows)


def test_every_legacy_ledger_fixture_is_known() -> None:
    # The fixtures are the old trees; each full tree must be adoptable, on both dialects alike.
    for dialect in ("sqlite", "postgres"):
        names = frozenset(p.stem for p in legacy_files(dialect))
        assert names in LEGACY_LEDGERS, dialect
    assert [p.name for p in legacy_files("sqlite")] == [p.name for p in legacy_files("postgres")]


#: The rows are read back as stored: no background service may add or change any meanwhile.
QUIET = {
    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
    for name in (
        "SCHEDULER",
        "LATE_RUNS",
        "FOREMAN",
        "CANCELLATION_CLEANUP",
        "PAUSE_EXPIRATIONS",
        "REPOSSESSOR",
        "EVENT_RETENTION",
        "TRIGGERS",
        "ACTIONS",
    )
}


#: Old trees as far as each of their releases went: before and after 0005_concurrency_limits.
LEDGERS = {
    "through_0004": ["0001_initial", "0002_event_resources", "0003_deployments_work_pools", "0004_flow_run_input"],
    "through_0005": None,  # every file
}
ledgers = pytest.mark.parametrize("ledger", list(LEDGERS.values()), ids=list(LEDGERS))


@ledgers
async def test_legacy_database_is_adopted_and_its_rows_read_back(  # type: ignore[no-untyped-def]
    server_env: dict[str, str], ledger: list[str] | None, aiohttp_client
) -> None:
    settings = Settings.from_env({**server_env, **QUIET})
    await make_legacy(settings, ledger)
    client = await aiohttp_client(create_app(settings))

    flow = await (await client.get("/api/flows/name/legacy-etl")).json()
    assert (flow["tags"], flow["labels"]) == (["nightly", "etl"], {"team": "data"})
    flows = await (await client.post("/api/flows/filter", json={})).json()
    assert sorted(f["name"] for f in flows) == ["legacy-empty", "legacy-etl"]

    runs = await (await client.post("/api/flow_runs/filter", json={"sort": "NAME_ASC"})).json()
    assert [r["name"] for r in runs] == ["legacy-run-1", "legacy-run-2"]
    done, scheduled = runs
    assert (done["state"]["type"], done["state"]["message"], done["parameters"]) == ("COMPLETED", "done", {"n": 1})
    assert done["flow_id"] == flow["id"] and done["tags"] == ["manual"]
    states = await (await client.get("/api/flow_run_states/", params={"flow_run_id": done["id"]})).json()
    assert [s["type"] for s in states] == ["SCHEDULED", "PENDING", "RUNNING", "COMPLETED"]
    assert scheduled["state"]["type"] == "SCHEDULED" and scheduled["parameters"] == {"day": "tuesday"}

    answer = await client.get(f"/api/flow_runs/{done['id']}/input/answer")
    assert answer.status == 200 and await answer.text() == '{"ok": true}'
    task_runs = await (await client.post("/api/task_runs/filter", json={})).json()
    assert [(t["name"], t["state"]["type"], t["flow_run_id"]) for t in task_runs] == [
        ("extract-0", "COMPLETED", done["id"])
    ]
    logs = await (await client.post("/api/logs/filter", json={})).json()
    assert [(entry["message"], entry["flow_run_id"]) for entry in logs] == [("hello from the past", done["id"])]

    deployment = await (await client.get("/api/deployments/name/legacy-etl/legacy-deployment")).json()
    assert scheduled["deployment_id"] == deployment["id"]
    assert (deployment["work_pool_name"], deployment["work_queue_name"]) == ("legacy-pool", "urgent")
    assert deployment["parameters"] == {"day": "monday"} and deployment["entrypoint"] == "flows.py:etl"
    assert [s["schedule"]["interval"] for s in deployment["schedules"]] == [3600.0]

    pool = await (await client.get("/api/work_pools/legacy-pool")).json()
    assert (pool["type"], pool["description"], pool["concurrency_limit"]) == ("process", "made before alembic", 3)
    queues = await (await client.post("/api/work_pools/legacy-pool/queues/filter", json={})).json()
    assert sorted((q["name"], q["priority"]) for q in queues) == [("default", 2), ("urgent", 1)]

    # Filtered by a resource in any role: answered from the event_resources rows.
    involved = {
        "any_resource": {"id": [f"prefect.flow-run.{done['id']}"]},
        "occurred": {"since": "2024-01-01T00:00:00Z"},
    }
    events = await (await client.post("/api/events/filter", json={"filter": involved})).json()
    names = sorted(e["event"] for e in events["events"])
    assert names == [
        "legacy.happened",
        "prefect.flow-run.Completed",
        "prefect.flow-run.Pending",
        "prefect.flow-run.Running",
    ]
    legacy_event = next(e for e in events["events"] if e["event"] == "legacy.happened")
    assert legacy_event["resource"]["prefect.resource.id"] == "legacy.thing.1" and legacy_event["payload"] == {"x": 1}

    limit = await client.get("/api/v2/concurrency_limits/legacy-limit")
    if ledger is None:  # made with 0005: its limit and the lease on two slots are kept
        body = await limit.json()
        assert (body["limit"], body["active_slots"], body["active"]) == (5, 2, True)
    else:  # made before 0005: the tables are new and empty, and work
        assert limit.status == 404
        created = await client.post("/api/v2/concurrency_limits/", json={"name": "legacy-limit", "limit": 5})
        assert created.status == 201

    # Still writable, foreign keys included: the old scheduled run moves on, a deletion cascades.
    moved = await client.post(f"/api/flow_runs/{scheduled['id']}/set_state", json={"state": {"type": "PENDING"}})
    assert moved.status == 201 and (await moved.json())["status"] == "ACCEPT"
    assert (await client.delete(f"/api/flow_runs/{done['id']}")).status == 204
    assert (await client.get(f"/api/flow_runs/{done['id']}/input/answer")).status == 404
    assert await (await client.post("/api/task_runs/filter", json={})).json() == []


@ledgers
async def test_adopted_database_has_exactly_the_declared_schema(settings: Settings, ledger: list[str] | None) -> None:
    await make_legacy(settings, ledger)
    backend = select_storage_backend(make_plugin_manager(), settings)
    async with backend.open() as storage:
        async with storage.write_engine.connect() as conn:
            assert await conn.run_sync(current_revision) == head_revision()
            assert await conn.run_sync(lambda sync: schema_differences(sync, tables.metadata)) == []
            present = await conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
    assert "_migrations" not in present  # the old ledger is gone; Alembic's replaces it


@pytest.mark.parametrize(
    "ledger",
    [["0001_initial", "0002_event_resources"], ["0001_initial", "0099_from_a_newer_tree"]],
    ids=["partial", "unknown"],
)
async def test_unknown_legacy_ledger_is_refused_and_left_alone(settings: Settings, ledger: list[str]) -> None:
    await make_legacy(settings, names=ledger, rows=False)
    for name in set(ledger) - {p.stem for p in legacy_files("sqlite")}:
        await run_sql(settings, f"INSERT INTO _migrations (name, applied) VALUES ('{name}', '2025-01-01T00:00:00Z')")
    backend = select_storage_backend(make_plugin_manager(), settings)
    with pytest.raises(ConfigurationError, match="cannot adopt"):
        async with backend.open():
            pass
    # Nothing was changed: the old ledger is intact and Alembic's was not created.
    assert sorted(r[0] for r in await run_sql(settings, "SELECT name FROM _migrations")) == sorted(ledger)
    with pytest.raises(Exception, match="alembic_version"):
        await run_sql(settings, "SELECT * FROM alembic_version")
