"""Opening a SQLite database: pragmas, one writer, a pool of readers (each an aiosqlite
connection with its own thread), migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool

from prefect_storage_sql.statements import StatementCache
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sqlite.dialect import SqliteSupport
from prefect_storage_sqlite.engine import SqliteEngine
from prefect_storage_sqlite.fresh_schema import schema_without_alembic
from prefect_storage_sqlite.lanes import ReadLanes
from prefect_storage_sqlite.settings import SqliteSettings
from prefect_storage_sqlite.sync_bridge import sqlite_dialect
from prefect_storage_sqlite.thread_priority import lower_thread_priority
from prefect_storage_sqlite.threaded import ConnectHook


def migrate_database(
    url: str,
    pragmas: Sequence[str],
    upgrade: Callable[[sa.Connection], list[str]] | None = None,
) -> list[str]:
    """Apply pending schema revisions on a short-lived connection of its own; return them.

    The connection runs `pragmas`, then turns foreign keys off: batch mode rebuilds a
    table by copying it and dropping the original, and with them on, that drop would
    cascade to every row referring to it. `PRAGMA foreign_key_check` then proves the
    migrated data consistent before the single `BEGIN IMMEDIATE` transaction commits.
    `upgrade` runs on the connection: the shipped revisions through Alembic (tests pass
    extra ones). Without it, a new database or one already at the newest revision is
    handled without importing Alembic at all (`fresh_schema`: ~10 MiB less for the
    server's lifetime); anything else is upgraded by Alembic.
    """
    engine = sa.create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        for pragma in [*pragmas, "PRAGMA foreign_keys = OFF"]:
            dbapi_conn.execute(pragma)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.begin() as conn:
            applied = schema_without_alembic(conn) if upgrade is None else None
            if applied is None:
                if upgrade is None:
                    from prefect_storage_sql.migrations import upgrade_schema  # Alembic: only now

                    upgrade = upgrade_schema
                applied = upgrade(conn)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"migrating left rows with dangling foreign keys: {broken[:5]}")
        return applied
    finally:
        engine.dispose()


def _prepare_file(path: Path) -> tuple[Path, str]:
    """The expanded path and its URL; the file's folder is created if missing."""
    path = path.expanduser()
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    return path, f"sqlite:///{path}"


@asynccontextmanager
async def open_sqlite(
    path: Path,
    pragmas: Sequence[str],
    description: dict[str, Any] | None = None,
    *,
    connect_hooks: Sequence[ConnectHook] = (),
    readers: int = 2,
    reader_wait: float = 0.01,
    idle_readers: int = 4,
    map_rows_in_thread: bool = True,
    reader_nice: int = 0,
    point_readers: int = 0,
) -> AsyncIterator[SqlStorage]:
    """Open (creating it if needed) and migrate the database file at `path`, every
    connection set up with `pragmas` (then `connect_hooks`, in its own thread); yield the
    storage, close every connection on exit.

    At most `readers` reads run at once while they are short; a read that finds them all
    busy waits for one only until the youngest busy read has run `reader_wait` seconds, then
    opens a connection of its own (up to `idle_readers` connections stay open between reads).
    The readers' threads run at nice value `reader_nice` (0: the process's own; see
    `thread_priority`). With `point_readers` and a `reader_nice`, reads whose first statement
    is a point read (`lanes.is_point_read`) run on connections of their own, up to
    `point_readers` at once, whose threads keep the process's priority (`lanes`)."""
    path, url = _prepare_file(path)
    # Before any pooled connection opens, so that none caches the old schema; in a thread,
    # like every other SQLite call, so a long migration leaves the loop free.
    await asyncio.to_thread(migrate_database, url, pragmas)
    statements = StatementCache(sqlite_dialect())  # shared: both engines compile alike
    writer = SqliteEngine(str(path), pragmas, writer=True, connect_hooks=connect_hooks, statements=statements)

    def readers_engine(connections: int, idle: int, hooks: Sequence[ConnectHook]) -> SqliteEngine:
        return SqliteEngine(
            str(path),
            pragmas,
            writer=False,
            idle_connections=idle,
            busy_connections=connections,
            overflow_after=reader_wait,
            connect_hooks=hooks,
            statements=statements,
            map_rows_in_thread=map_rows_in_thread,
        )

    niced = readers_engine(
        readers,
        max(idle_readers, readers),
        [*connect_hooks, lower_thread_priority(reader_nice)] if reader_nice > 0 else connect_hooks,
    )
    if point_readers > 0 and reader_nice > 0:  # without a nice value both lanes would be alike
        point_reader = readers_engine(point_readers, point_readers, connect_hooks)
        reader: SqliteEngine | ReadLanes = ReadLanes(heavy=niced, light=point_reader)
    else:
        reader = niced
    try:
        yield SqlStorage(
            read_engine=reader,
            write_engine=writer,
            support=SqliteSupport(),
            serialize_writes=True,
            description=description or {"backend": "sqlite", "path": str(path)},
        )
    finally:
        await reader.dispose()
        await writer.dispose()


class SqliteBackend:
    """`PREFECT_DATABASE_BACKEND=sqlite`, file at `PREFECT_DATABASE_PATH` (see `SqliteSettings`)."""

    scheme = "sqlite"
    aliases = ("sqlite3",)

    def __init__(self, settings: SqliteSettings | None = None) -> None:
        self.settings = settings or SqliteSettings()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SqliteBackend:
        return cls(SqliteSettings.from_env(environ))

    def open(self) -> AbstractAsyncContextManager[SqlStorage]:
        return open_sqlite(
            self.settings.path,
            self.settings.pragmas(),
            readers=self.settings.readers,
            reader_wait=self.settings.reader_wait_ms / 1000,
            reader_nice=self.settings.reader_nice,
            point_readers=self.settings.point_readers,
        )
