"""The SQLite engine's own statement handling: compiled-shape caching, bound values,
defaults, IN lists, executemany, RETURNING and row access, on a real database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.flows import Flow
from prefect_storage_sql import tables
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sqlite.backend import open_sqlite
from prefect_storage_sqlite.settings import SqliteSettings
from tests.conftest import only_on

flow = tables.flow


_on_sqlite = only_on("sqlite")


@pytest.fixture
async def sqlite_storage(tmp_path: Path) -> AsyncIterator[SqlStorage]:
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "statements.db")  # type: ignore[call-arg]
    async with open_sqlite(settings.path, settings.pragmas()) as storage:
        async with storage.write() as uow:
            for name in ("a", "b", "c"):
                await uow.flows.get_or_create(Flow(name=name, tags=[name]))
        yield storage


async def test_statements_of_one_shape_share_a_compiled_form_and_bind_their_own_values(sqlite_storage) -> None:
    cache = sqlite_storage.read_engine.statements
    async with sqlite_storage.read() as uow:
        found = [
            (await uow.conn.execute(sa.select(flow.c.name).where(flow.c.name == name))).scalar_one()
            for name in ("a", "b", "c")
        ]
    assert found == ["a", "b", "c"]
    prepared = {cache.prepare(sa.select(flow.c.name).where(flow.c.name == n), (), False)[0] for n in "xyz"}
    assert len(prepared) == 1  # one compiled shape for the three statements


async def test_a_reused_statement_is_found_by_identity_and_the_identity_cache_is_bounded(sqlite_storage) -> None:
    cache = sqlite_storage.read_engine.statements
    stmt = sa.select(flow.c.id).where(flow.c.name == sa.bindparam("n"))
    first = cache.prepare(stmt, ("n",), False)
    assert cache.prepare(stmt, ("n",), False) is first
    for i in range(cache._size + 50):
        cache.prepare(sa.select(flow.c.id).where(flow.c.name == f"n{i}"), (), False)
    assert len(cache._by_object) <= cache._size


async def test_in_lists_defaults_executemany_returning_and_rows(sqlite_storage) -> None:
    async with sqlite_storage.read() as uow:
        rows = (await uow.conn.execute(sa.select(flow.c.name, flow.c.tags).where(flow.c.name.in_(["a", "c"])))).all()
        assert sorted((r.name, r.tags, r[0], r._mapping["tags"]) for r in rows) == [
            ("a", ["a"], "a", ["a"]),
            ("c", ["c"], "c", ["c"]),
        ]
        empty = (await uow.conn.execute(sa.select(flow.c.name).where(flow.c.name.in_([])))).all()
        assert empty == []
    limit_t = tables.concurrency_limit_v2
    ids, now = [uuid.uuid4(), uuid.uuid4()], timeutil.now()
    async with sqlite_storage.write() as uow:
        # `active`, `active_slots`, ... are filled from the columns' defaults.
        inserted = await uow.conn.execute(
            sa.insert(limit_t),
            [
                {"id": i, "name": f"l{n}", "limit": 3, "slots_as_of": 0.0, "created": now, "updated": now}
                for n, i in enumerate(ids)
            ],
        )
        assert inserted.rowcount == 2
        returned = (
            (
                await uow.conn.execute(
                    sa.update(limit_t).where(limit_t.c.id == ids[0]).values(active_slots=2).returning(limit_t.c.id)
                )
            )
            .scalars()
            .all()
        )
        assert returned == [ids[0]]
    async with sqlite_storage.read() as uow:
        stored = (await uow.conn.execute(sa.select(limit_t).order_by(limit_t.c.name))).mappings().all()
    assert [(m["id"], m["active"], m["active_slots"], m["denied_slots"]) for m in stored] == [
        (ids[0], True, 2, 0),
        (ids[1], True, 0, 0),
    ]


async def test_columns_named_like_tuple_methods_read_as_columns(sqlite_storage) -> None:
    # As on SQLAlchemy's Row (PostgreSQL's path): `row.count` is the column, not tuple.count.
    stmt = sa.select(sa.func.count().label("count"), sa.func.max(flow.c.name).label("index")).select_from(flow)
    async with sqlite_storage.read() as uow:
        row = (await uow.conn.execute(stmt)).one()
    assert (row.count, row.index) == (3, "c")
    assert tuple(row) == (3, "c") and row._mapping["count"] == 3
