"""The recipe for a schema change, end to end: declare, render a revision, apply it.

`scripts/new_migration` renders against a scratch database; here the same function
renders against a fresh database of each backend, and the rendered file is applied
through the backend's own migration path to a database holding rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_core.settings import Settings
from prefect_storage_sql import tables, types
from prefect_storage_sql.migrations import alembic_config, head_revision
from prefect_storage_sql.migrations.authoring import new_revision, transactional_sqlite_engine
from tests.support.schema import schema_differences


def _declared_with_changes() -> sa.MetaData:
    """What a helper's branch might declare: a new table, a new column, a widened one."""
    changed = sa.MetaData(naming_convention=tables.metadata.naming_convention)
    for table in tables.metadata.sorted_tables:
        table.to_metadata(changed)
    flow = changed.tables["flow"]
    flow.append_column(sa.Column("retries", sa.Integer, nullable=False, server_default=sa.text("0")))
    flow.c.name.type = sa.String(512)  # SQLite cannot alter a column: the table is rebuilt
    sa.Table(
        "recipe_note",
        changed,
        sa.Column("id", types.Uuid(), primary_key=True),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("flow_id", types.Uuid(), sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
        sa.Column("body", types.Json(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Index(None, "flow_id", "created"),
    )
    return changed


async def _on_connection(settings: Settings, fn: Callable[[sa.Connection], Any]) -> Any:
    """`fn` on a plain connection to the database, in a transaction that is rolled back."""

    def rolled_back(connection: sa.Connection) -> Any:
        transaction = connection.begin()
        try:
            return fn(connection)
        finally:
            transaction.rollback()

    if settings.database_backend == "sqlite":
        engine = transactional_sqlite_engine("sqlite:///" + settings.environ["PREFECT_DATABASE_PATH"])
        try:
            with engine.connect() as conn:
                return rolled_back(conn)
        finally:
            engine.dispose()
    async_engine = create_async_engine(
        sa.make_url(settings.environ["PREFECT_DATABASE_URL"]).set(drivername="postgresql+asyncpg")
    )
    try:
        async with async_engine.connect() as conn:
            return await conn.run_sync(rolled_back)
    finally:
        await async_engine.dispose()


async def test_declared_tables_need_no_new_revision(settings: Settings, tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    assert await _on_connection(settings, lambda c: new_revision("nothing", c, version_path=versions)) is None
    assert list(versions.iterdir()) == []


async def test_rendered_revision_applies_to_a_database_with_rows(settings: Settings, tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    changed = _declared_with_changes()
    rendered = await _on_connection(
        settings, lambda c: new_revision("recipe note", c, metadata=changed, version_path=versions)
    )
    head = head_revision()
    assert rendered is not None and rendered.name == f"{int(head) + 1:04d}_recipe_note.py"
    text = rendered.read_text()
    assert f"down_revision = '{head}'" in text
    number = rendered.name[:4] and "types.Uuid()" in text and "batch_alter_table('flow'" in text

    backend = select_storage_backend(make_plugin_manager(), settings)
    async with backend.open() as storage, storage.write() as uow:  # the shipped revisions only
        flow = await uow.flows.get_or_create(Flow(name="has-runs"))
        await uow.flow_runs.insert(FlowRun(flow_id=flow.id, name="kept-run"))

    def upgrade_with_rendered(connection: sa.Connection) -> list[str]:
        command.upgrade(alembic_config(connection, metadata=changed, extra_version_location=versions), "heads")
        return [number]

    # Through the backend's own migration path: SQLite's foreign-key handling, PostgreSQL's lock.
    if settings.database_backend == "sqlite":
        from prefect_storage_sqlite.backend import migrate_database

        url = "sqlite:///" + settings.environ["PREFECT_DATABASE_PATH"]
        migrate_database(url, backend.settings.pragmas(), upgrade_with_rendered)  # type: ignore[attr-defined]
    else:
        from prefect_storage_postgres.backend import make_engine, migrate_database
        from prefect_storage_postgres.connection import ConnectionTarget

        engine = make_engine(ConnectionTarget.from_url(settings.environ["PREFECT_DATABASE_URL"]), backend.settings)  # type: ignore[attr-defined]
        try:
            await migrate_database(engine, upgrade_with_rendered)
        finally:
            await engine.dispose()

    def check(connection: sa.Connection) -> tuple[list[Any], list[Any]]:
        rows = connection.execute(
            sa.text(
                "SELECT flow.name, flow.retries, flow_run.name FROM flow JOIN flow_run ON flow_run.flow_id = flow.id"
            )
        ).all()
        return schema_differences(connection, changed), [tuple(r) for r in rows]

    differences, rows = await _on_connection(settings, check)
    assert differences == []
    # The rebuilt parent table kept its rows, and rebuilding it cascaded no deletion.
    assert rows == [("has-runs", 0, "kept-run")]
