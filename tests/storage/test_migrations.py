"""Every migration applied to an empty database yields exactly the declared tables."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_storage_sql.tables import metadata


def _shape(sync_conn: sa.Connection) -> dict[str, dict[str, object]]:
    insp = sa.inspect(sync_conn)
    out: dict[str, dict[str, object]] = {}
    for table in insp.get_table_names():
        if table == "_migrations":
            continue
        out[table] = {
            "columns": {c["name"]: c["nullable"] for c in insp.get_columns(table)},
            "indexes": {tuple(ix["column_names"]) for ix in insp.get_indexes(table)},
        }
    return out


async def test_migrations_match_declared_tables(storage) -> None:
    async with storage.write_engine.connect() as conn:
        actual = await conn.run_sync(_shape)
    declared = {
        t.name: {
            "columns": {c.name: c.nullable for c in t.columns},
            "indexes": {tuple(c.name for c in ix.columns) for ix in t.indexes},
        }
        for t in metadata.sorted_tables
    }
    assert set(actual) == set(declared)
    for name, shape in declared.items():
        assert actual[name]["columns"] == shape["columns"], name
        # unique constraints may show up as indexes too; every declared index must exist
        assert shape["indexes"] <= actual[name]["indexes"], name


async def test_reopening_applies_nothing_and_keeps_data(settings) -> None:
    from prefect_core.schemas.flows import Flow
    from prefect_storage_sql.migrations import applied_migrations

    backend = select_storage_backend(make_plugin_manager(), settings)
    async with backend.open() as storage:
        async with storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="kept"))
        async with storage.write_engine.begin() as conn:
            first = await applied_migrations(conn)
    async with backend.open() as storage:
        async with storage.write_engine.begin() as conn:
            assert await applied_migrations(conn) == first
        async with storage.read() as uow:
            assert (await uow.flows.get_by_name("kept")) is not None
