"""Making a new revision by autogenerate (`scripts/new_migration "message"`).

A scratch database is brought to the newest revision, Alembic compares it with the
declared tables, and the difference is written as the next numbered revision file
in portable operations (batch mode, our column types). Everything runs in one
transaction that is rolled back, so even a PostgreSQL scratch database is left as
it was. The file is a draft: read it, fix what autogenerate cannot know (renames,
data moves, server defaults for existing rows), then commit it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.operations.ops import MigrationScript
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from prefect_storage_sql.migrations.config import alembic_config


def next_revision_id(revisions: list[str]) -> str:
    """`0001`, `0002`, ...: one more than the highest numbered revision."""
    numbers = [int(rev) for rev in revisions if rev.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def new_revision(
    message: str,
    connection: sa.Connection,
    *,
    metadata: sa.MetaData | None = None,
    version_path: Path | None = None,
) -> Path | None:
    """Write the revision that takes the newest schema to the declared one.

    Returns the new file, or None when the database already matches (then no file
    is written). `metadata` and `version_path` stand in for the declared tables and
    the shipped folder; tests of this recipe use them.
    """
    config = alembic_config(connection, metadata=metadata, extra_version_location=version_path)
    revisions = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    command.upgrade(config, "heads")
    nothing_to_do = False

    def skip_if_empty(_context: object, _revision: object, directives: list[MigrationScript]) -> None:
        nonlocal nothing_to_do
        ops = directives[0].upgrade_ops
        if ops is not None and ops.is_empty():
            nothing_to_do = True
            directives.clear()

    config.attributes["process_revision_directives"] = skip_if_empty
    script = command.revision(
        config,
        message,
        autogenerate=True,
        rev_id=next_revision_id(revisions),
        version_path=None if version_path is None else str(version_path),
    )
    if nothing_to_do or script is None or isinstance(script, list):
        return None
    return Path(script.path)


def transactional_sqlite_engine(url: str) -> sa.Engine:
    """A SQLite engine whose transactions include DDL (pysqlite commits DDL on its own)."""
    engine = sa.create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _in_rolled_back_transaction(message: str, connection: sa.Connection) -> Path | None:
    transaction = connection.begin()
    try:
        return new_revision(message, connection)
    finally:
        transaction.rollback()


async def _against_postgres(message: str, url: str) -> Path | None:
    engine = create_async_engine(sa.make_url(url).set(drivername="postgresql+asyncpg"))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: _in_rolled_back_transaction(message, sync))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/new_migration", description=__doc__.split("\n\n")[0])
    parser.add_argument("message", help="what the revision does, e.g. 'concurrency limits'")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="compare against this PostgreSQL database instead of a scratch SQLite file "
        "(it is upgraded and compared inside a transaction that is rolled back)",
    )
    args = parser.parse_args(argv)
    # Loading the storage plugins registers each one's dialect support, which the shared
    # column types need before anything compiles.
    from prefect_core.plugins import make_plugin_manager

    make_plugin_manager()
    if args.postgres:
        path = asyncio.run(_against_postgres(args.message, args.postgres))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            engine = transactional_sqlite_engine(f"sqlite:///{scratch}/scratch.db")
            try:
                with engine.connect() as conn:
                    path = _in_rolled_back_transaction(args.message, conn)
            finally:
                engine.dispose()
    if path is None:
        print("the newest revision already matches prefect_storage_sql.tables: nothing written")
        return 1
    print(f"wrote {path}\nreview it (docs/storage-plugins.md, 'Adding a table or column'), then commit it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
