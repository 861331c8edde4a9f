"""The Alembic revisions, applied to an empty database, yield exactly the declared tables.

Compared by Alembic itself (types, nullability, server defaults, indexes, unique
constraints, foreign keys with ON DELETE) plus primary keys, on both backends.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.settings import Settings
from prefect_storage_sql import tables
from prefect_storage_sql.migrations import current_revision, head_revision, script_directory
from tests.support.schema import schema_differences


async def _differences(storage: object, metadata: sa.MetaData) -> list[object]:
    async with storage.write_engine.connect() as conn:  # type: ignore[attr-defined]
        return await conn.run_sync(lambda sync: schema_differences(sync, metadata))


async def test_migrated_schema_has_no_difference_from_declared_tables(storage) -> None:
    assert await _differences(storage, tables.metadata) == []


def _altered_metadata() -> sa.MetaData:
    """The declared tables with one change of each kind the comparison must notice."""
    altered = sa.MetaData(naming_convention=tables.metadata.naming_convention)
    for table in tables.metadata.sorted_tables:
        table.to_metadata(altered)
    flow_run = altered.tables["flow_run"]
    flow_run.c.name.type = sa.String(64)  # type (length)
    flow_run.c.deployment_version.nullable = False  # nullability
    flow_run.c.run_count.server_default = sa.DefaultClause(sa.text("0"))  # server default
    for fk in altered.tables["deployment"].foreign_key_constraints:  # ON DELETE
        if fk.referred_table.name == "work_queue":
            fk.ondelete = "CASCADE"
    altered.tables["flow"].c.labels.type = sa.Integer()  # type (kind)
    work_pool = altered.tables["work_pool"]  # unique constraint dropped
    work_pool.constraints -= {c for c in work_pool.constraints if isinstance(c, sa.UniqueConstraint)}
    with pytest.warns(sa.exc.SAWarning, match="primary key"):  # primary key
        altered.tables["task_run_state_cache"].append_constraint(sa.PrimaryKeyConstraint("id", "cache_key"))
    sa.Index("ix_log__level", altered.tables["log"].c.level)  # extra index
    sa.Table("not_migrated", altered, sa.Column("id", sa.Integer, primary_key=True))  # extra table
    return altered


async def test_comparison_notices_each_kind_of_difference(storage) -> None:
    found = repr(await _differences(storage, _altered_metadata()))
    for expected in [
        r"modify_type.*'flow_run', 'name'",
        r"modify_nullable.*'flow_run', 'deployment_version'",
        r"modify_default.*'flow_run', 'run_count'",
        r"add_fk.*fk_deployment__work_queue_id__work_queue', ondelete='CASCADE'",
        r"'foreign_keys', 'deployment'",
        r"'primary_key', 'task_run_state_cache', \['id'\], \['id', 'cache_key'\]",
        r"modify_type.*'flow', 'labels'",
        r"remove_constraint', UniqueConstraint\(Column\('name', NullType\(\), table=<work_pool>",
        r"add_index.*ix_log__level",
        r"add_table.*not_migrated",
    ]:
        assert re.search(expected, found), f"{expected} not in {found}"


async def test_reopening_applies_nothing_and_keeps_data(settings: Settings) -> None:
    from prefect_core.schemas.flows import Flow

    backend = select_storage_backend(make_plugin_manager(), settings)
    async with backend.open() as storage:
        async with storage.write() as uow:
            await uow.flows.get_or_create(Flow(name="kept"))
        async with storage.write_engine.connect() as conn:
            assert await conn.run_sync(current_revision) == head_revision()
    async with backend.open() as storage:
        async with storage.write_engine.connect() as conn:
            assert await conn.run_sync(current_revision) == head_revision()
            names = set((await conn.execute(sa.text("SELECT name FROM flow"))).scalars())
        assert names == {"kept"}
        async with storage.write_engine.connect() as conn:
            present = await conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
        assert present == set(tables.metadata.tables) | {"alembic_version"}


def test_revisions_form_one_numbered_forward_only_line() -> None:
    revisions = list(reversed(list(script_directory().walk_revisions())))
    assert revisions, "no revisions shipped"
    assert [r.revision for r in revisions] == [f"{n:04d}" for n in range(1, len(revisions) + 1)]
    assert [r.down_revision for r in revisions] == [None] + [r.revision for r in revisions[:-1]]
    assert head_revision() == revisions[-1].revision  # one head: parallel branches were merged
    for revision in revisions:
        assert callable(getattr(revision.module, "upgrade", None)), revision.path
        assert revision.path.rsplit("/", 1)[-1].startswith(f"{revision.revision}_"), revision.path
