"""Opening a PostgreSQL database: one pooled asyncpg engine, migrations under a lock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from prefect_core.errors import ConfigurationError
from prefect_storage_postgres.connection import ConnectionTarget, connect_failure
from prefect_storage_postgres.dialect import PostgresSupport
from prefect_storage_postgres.settings import PostgresSettings
from prefect_storage_sql.migrations import upgrade_schema
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sql.stored_forms import dumps

#: Key of the transaction-level advisory lock held while migrating. Advisory locks
#: are per database, so servers sharing a cluster but not a database never wait.
MIGRATION_LOCK_KEY = 0x7072_6566_6563_7401  # "prefect" + 1, fits a signed bigint


def make_engine(target: ConnectionTarget, settings: PostgresSettings) -> AsyncEngine:
    """The pooled engine every unit of work draws its connection from."""
    return create_async_engine(
        # Everything about where to connect travels in connect_args["dsn"].
        "postgresql+asyncpg://",
        connect_args=target.connect_args(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
        pool_use_lifo=True,  # reuse warm connections; idle extras can time out after a spike
        json_serializer=dumps,  # the same JSON text SQLite stores
        json_deserializer=orjson.loads,
    )


async def lock_migrations(conn: AsyncConnection) -> None:
    """Wait for, then hold until commit, the lock that serialises migrating servers."""
    await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


async def migrate_database(
    engine: AsyncEngine, upgrade: Callable[[sa.Connection], list[str]] = upgrade_schema
) -> list[str]:
    """Apply pending schema revisions in one transaction, under the migration lock.

    Several server processes may start at once: each waits for the lock, then reads
    the schema's revision, so exactly one applies a revision and the others find
    nothing left to do. PostgreSQL's DDL is transactional: a failed revision leaves
    nothing half-done. `upgrade` runs on the connection: the shipped revisions
    (tests pass extra ones).
    """
    async with engine.begin() as conn:
        await lock_migrations(conn)
        return await conn.run_sync(upgrade)


def _require_driver() -> None:
    # asyncpg is an optional extra; the plugin itself loads without it for SQLite users.
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "PREFECT_DATABASE_BACKEND=postgres needs asyncpg: pip install 'prefect-server-py[postgres]'"
        ) from None


async def _check_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))


class PostgresBackend:
    """`PREFECT_DATABASE_BACKEND=postgres`, server at `PREFECT_DATABASE_URL` (see `PostgresSettings`)."""

    scheme = "postgres"
    aliases = ("postgresql",)

    def __init__(self, settings: PostgresSettings | None = None) -> None:
        self.settings = settings or PostgresSettings()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> PostgresBackend:
        return cls(PostgresSettings.from_env(environ))

    @asynccontextmanager
    async def open(self) -> AsyncIterator[SqlStorage]:
        """Connect, apply pending migrations, yield the storage, dispose of the pool on exit.

        Raises `ConfigurationError` (one line, no chained traceback) when the URL is
        malformed or the server cannot be reached, rejects the credentials, or has
        no such database.
        """
        settings = self.settings
        _require_driver()
        target = ConnectionTarget.from_url(settings.url)
        engine = make_engine(target, settings)
        try:
            try:
                await _check_connection(engine)
            except Exception as exc:
                timeout = target.connect_timeout or settings.connect_timeout
                failure = connect_failure(exc, target, timeout)
                if failure is None:
                    raise
                raise failure from None
            await migrate_database(engine)
            # Same pool; read units of work see one snapshot and cannot write by mistake.
            reader = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            yield SqlStorage(
                read_engine=reader,
                write_engine=engine,
                support=PostgresSupport(),
                serialize_writes=False,  # row locks (SELECT ... FOR UPDATE) order writers
                description={
                    "backend": "postgres",
                    "url": target.display,
                    "pool_size": settings.pool_size,
                    "pool_max_overflow": settings.pool_max_overflow,
                },
            )
        finally:
            await engine.dispose()
