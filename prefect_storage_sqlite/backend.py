"""Opening a SQLite database: pragmas, one writer, several readers, migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool, QueuePool, StaticPool

from prefect_storage_sql.migrations import upgrade_schema
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sqlite.dialect import SqliteSupport
from prefect_storage_sqlite.inline import InlineEngine
from prefect_storage_sqlite.settings import SqliteSettings


def _make_engine(url: str, pragmas: Sequence[str], *, writer: bool, pool_size: int) -> InlineEngine:
    kwargs: dict[str, Any] = {}
    if writer:
        kwargs["poolclass"] = StaticPool  # exactly one writer connection
    else:
        # Unbounded overflow: a checkout runs on the event loop, so waiting for a free
        # connection would freeze the whole server. Extra readers (a websocket replay
        # holding one while it sends) are opened on demand and closed when returned.
        kwargs.update(poolclass=QueuePool, pool_size=pool_size, max_overflow=-1)
    # check_same_thread: connections are created and used on the event loop's thread,
    # but pool clean-up at exit may run elsewhere.
    engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit transactions are off).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    if writer:

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Writers take the write lock up front, so a transaction never has to
            # upgrade a read lock halfway through (the source of SQLITE_BUSY).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    # Readers issue no BEGIN: each statement reads a consistent snapshot on its own,
    # and a read unit of work is too short-lived for a cross-statement snapshot to
    # matter (a page and its total count may straddle one write at worst).

    return InlineEngine(engine)


def migrate_database(
    url: str,
    pragmas: Sequence[str],
    upgrade: Callable[[sa.Connection], list[str]] = upgrade_schema,
) -> list[str]:
    """Apply pending schema revisions on a short-lived connection of its own; return them.

    The connection runs `pragmas`, then turns foreign keys off: batch mode rebuilds a
    table by copying it and dropping the original, and with them on, that drop would
    cascade to every row referring to it. `PRAGMA foreign_key_check` then proves the
    migrated data consistent before the single `BEGIN IMMEDIATE` transaction commits.
    `upgrade` runs on the connection: the shipped revisions (tests pass extra ones).
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
    path: Path, pragmas: Sequence[str], description: dict[str, Any] | None = None
) -> AsyncIterator[SqlStorage]:
    """Open (creating it if needed) and migrate the database file at `path`, every
    connection set up with `pragmas`; yield the storage, close every connection on exit."""
    path, url = _prepare_file(path)
    # Before any pooled connection opens, so that none caches the old schema.
    migrate_database(url, pragmas)
    writer = _make_engine(url, pragmas, writer=True, pool_size=1)
    # Reads run inline, one at a time, so two kept connections serve nearly all traffic.
    reader = _make_engine(url, pragmas, writer=False, pool_size=2)
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
        return open_sqlite(self.settings.path, self.settings.pragmas())
