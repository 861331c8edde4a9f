"""Revision 0007 links every limited deployment to its own global limit, on both backends.

A database is brought to 0006 (deployments found their limit by its name then), given a
deployment whose `deployment:<id>` limit exists with a slot taken, one limited before
limits were rows, and one without a limit; opening it applies 0007.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from prefect_core import timeutil
from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.settings import Settings
from prefect_storage_sql import tables
from prefect_storage_sql.migrations.config import alembic_config

pytestmark = [pytest.mark.timeout(120), pytest.mark.empty_database]  # it builds the schema at revision 0006

FLOW, WITH_ROW, WITHOUT_ROW, UNLIMITED, LIMIT_ROW = (uuid.uuid4() for _ in range(5))


def _at_0006_with_rows(conn: sa.Connection) -> list[str]:
    command.upgrade(alembic_config(conn), "0006")
    now = timeutil.now()
    conn.execute(sa.insert(tables.flow).values(id=FLOW, created=now, updated=now, name="f", tags=[], labels={}))
    for deployment_id, name, limit in ((WITH_ROW, "a", 3), (WITHOUT_ROW, "b", 2), (UNLIMITED, "c", None)):
        conn.execute(
            sa.insert(tables.deployment).values(
                id=deployment_id,
                created=now,
                updated=now,
                name=name,
                flow_id=FLOW,
                concurrency_limit=limit,
                job_variables={},
                parameters={},
                tags=[],
                status="NOT_READY",
            )
        )
    values: dict[str, Any] = dict(id=LIMIT_ROW, created=now, updated=now, name=f"deployment:{WITH_ROW}", limit=3)
    values.update(active=True, active_slots=1, denied_slots=0, slot_decay_per_second=0.0, slots_as_of=now.timestamp())
    conn.execute(sa.insert(tables.concurrency_limit_v2).values(**values, avg_slot_occupancy_seconds=2.0))
    return []


async def _prepare(settings: Settings) -> None:
    if settings.database_backend == "sqlite":
        from prefect_storage_sqlite.backend import migrate_database

        migrate_database(f"sqlite:///{Path(settings.environ['PREFECT_DATABASE_PATH'])}", [], _at_0006_with_rows)
        return
    from prefect_storage_postgres.backend import make_engine
    from prefect_storage_postgres.backend import migrate_database as migrate_postgres
    from prefect_storage_postgres.connection import ConnectionTarget
    from prefect_storage_postgres.settings import PostgresSettings

    postgres = PostgresSettings.from_env(settings.environ)
    engine = make_engine(ConnectionTarget.from_url(postgres.url), postgres)
    try:
        await migrate_postgres(engine, _at_0006_with_rows)
    finally:
        await engine.dispose()


async def test_limited_deployments_are_linked_to_their_own_limits(settings: Settings) -> None:
    await _prepare(settings)
    backend = select_storage_backend(make_plugin_manager(), settings)
    async with backend.open() as storage, storage.read() as uow:
        with_row = await uow.deployments.get(WITH_ROW)
        without_row = await uow.deployments.get(WITHOUT_ROW)
        unlimited = await uow.deployments.get(UNLIMITED)
    assert with_row.global_concurrency_limit.id == LIMIT_ROW  # the existing row, its slot kept
    assert (with_row.global_concurrency_limit.limit, with_row.global_concurrency_limit.active_slots) == (3, 1)
    made = without_row.global_concurrency_limit
    assert (made.name, made.limit, made.active_slots, made.active) == (f"deployment:{WITHOUT_ROW}", 2, 0, True)
    assert unlimited.global_concurrency_limit is None
    async with backend.open() as storage, storage.write() as uow:
        locked = await uow.deployments.lock_concurrency(WITHOUT_ROW)
    assert locked is not None and locked.limit_id == made.id
