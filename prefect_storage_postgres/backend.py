"""Opening a PostgreSQL database: migrations under a lock (SQLAlchemy's engine, at start
only), then one pool of asyncpg connections for reads and writes
(`prefect_storage_postgres.engine`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

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


#: How SQLAlchemy's dialect writes and reads JSON (the same JSON text SQLite stores); the
#: asyncpg engine compiles with that dialect and decodes with the same codecs.
DIALECT_OPTIONS: dict[str, Any] = {"json_serializer": dumps, "json_deserializer": orjson.loads}


def make_engine(target: ConnectionTarget, settings: PostgresSettings) -> AsyncEngine:
    """SQLAlchemy's engine for the start-up check and migrations (no pool: a connection
    each, closed after use); requests go through `prefect_storage_postgres.engine`."""
    return create_async_engine(
        # Everything about where to connect travels in connect_args["dsn"].
        "postgresql+asyncpg://",
        connect_args=target.connect_args(settings),
        poolclass=NullPool,
        **DIALECT_OPTIONS,
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
        finally:
            dialect = engine.dialect  # initialised on the first connection: the server's version
            await engine.dispose()
        async with _storage(target, settings, dialect) as storage:
            yield storage


@asynccontextmanager
async def _storage(
    target: ConnectionTarget, settings: PostgresSettings, dialect: sa.Dialect
) -> AsyncIterator[SqlStorage]:
    from prefect_storage_postgres.engine import READ_ONLY_BEGIN, PgConnection, PgEngine, setup_codecs
    from prefect_storage_postgres.heavy_reads import HeavyReads
    from prefect_storage_postgres.pool import PgPool
    from prefect_storage_sql.statements import StatementCache

    async def connect() -> PgConnection:
        import asyncpg

        raw = await asyncpg.connect(**target.connect_args(settings))
        try:
            await setup_codecs(raw)
        except BaseException:
            raw.terminate()
            raise
        return PgConnection(raw, settings.prepared_statement_max_age)

    pool = PgPool(connect, settings.pool_size, settings.pool_max_overflow)
    statements = StatementCache(dialect)  # shared: reader and writer compile alike
    writer = PgEngine(pool, statements, dialect_options=DIALECT_OPTIONS)
    # Both readers' long reads share one set of slots.
    heavy_reads = (
        HeavyReads(settings.heavy_read_concurrency, settings.heavy_read_ms / 1000)
        if settings.heavy_read_concurrency
        else None
    )
    # Same pool; read units of work see one snapshot and cannot write by mistake.
    reader = PgEngine(
        pool, statements, begin_sql=READ_ONLY_BEGIN, dialect_options=DIALECT_OPTIONS, heavy_reads=heavy_reads
    )
    # A read of one SELECT needs no transaction: one statement is one snapshot.
    one_query_reader = PgEngine(
        pool,
        statements,
        begin_sql=READ_ONLY_BEGIN,
        one_query=True,
        dialect_options=DIALECT_OPTIONS,
        heavy_reads=heavy_reads,
    )
    try:
        yield SqlStorage(
            read_engine=reader,
            one_query_engine=one_query_reader,
            write_engine=writer,
            support=PostgresSupport(),
            serialize_writes=False,  # row locks (SELECT ... FOR UPDATE) order writers
            description={
                "backend": "postgres",
                "url": target.display,
                "pool_size": settings.pool_size,
                "pool_max_overflow": settings.pool_max_overflow,
                "heavy_read_concurrency": settings.heavy_read_concurrency,
            },
        )
    finally:
        await pool.close()
