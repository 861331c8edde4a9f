"""A `Storage` over SQL engines (`prefect_storage_sql.engine.SqlEngine`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from prefect_core.errors import Conflict, InvalidInput, StorageUnavailable
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.engine import SqlEngine
from prefect_storage_sql.unit_of_work import SqlUnitOfWork


class SqlStorage:
    """Reads and writes through SQLAlchemy Core.

    `read_engine` serves read-only units of work; `write_engine` serves writes.
    They may be the same engine (PostgreSQL: two engines on one asyncpg pool,
    `prefect_storage_postgres.engine`; SQLite: the plugin's aiosqlite engines,
    `prefect_storage_sqlite.threaded`). When `serialize_writes` is set
    (SQLite), writers in this process queue on an asyncio lock instead of
    contending for the database lock, so none ever sees "database is locked".
    `one_query_engine`, when given, serves the reads declared to run one query
    (`read(one_query=True)`), which need no transaction around them (PostgreSQL).
    """

    def __init__(
        self,
        *,
        read_engine: SqlEngine,
        write_engine: SqlEngine,
        support: SqlDialectSupport,
        serialize_writes: bool,
        description: dict[str, Any],
        one_query_engine: SqlEngine | None = None,
    ) -> None:
        self.read_engine = read_engine
        self.one_query_engine = one_query_engine or read_engine
        self.write_engine = write_engine
        self.support = support
        self._write_lock = asyncio.Lock() if serialize_writes else None
        self._description = description

    @asynccontextmanager
    async def read(self, *, one_query: bool = False) -> AsyncIterator[SqlUnitOfWork]:
        with _unavailable_on_operational_errors():
            # Closing the connection rolls back whatever the reads began.
            engine = self.one_query_engine if one_query else self.read_engine
            async with engine.connect() as conn:
                yield SqlUnitOfWork(conn, self.support)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlUnitOfWork]:
        with _unavailable_on_operational_errors():
            if self._write_lock is None:
                async with self.write_engine.begin() as conn:
                    yield SqlUnitOfWork(conn, self.support)
                return
            async with self._write_lock:
                async with self.write_engine.begin() as conn:
                    yield SqlUnitOfWork(conn, self.support)

    async def ping(self) -> None:
        async with self.read_engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    def describe(self) -> dict[str, Any]:
        return dict(self._description)

    async def dispose(self) -> None:
        await self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            await self.write_engine.dispose()


@contextmanager
def _unavailable_on_operational_errors() -> Iterator[None]:
    """A lost connection or a lock held past the busy timeout is retryable (HTTP 503)."""
    try:
        yield
    except sa_exc.DataError as exc:
        # A value the column cannot hold (a string over its length, a number out of range).
        raise InvalidInput(f"Invalid value for the database: {_first_line(exc.orig or exc)}") from exc
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        raise StorageUnavailable(str(exc.orig or exc)) from exc
    except sa_exc.IntegrityError as exc:
        # A unique or foreign key the use case did not foresee: the reference's 409.
        raise Conflict(
            "Data integrity conflict. This usually means a unique or foreign key "
            "constraint was violated. See server logs for details."
        ) from exc
    except sa_exc.DBAPIError as exc:
        if _is_data_error(exc):
            raise InvalidInput(f"Invalid value for the database: {_first_line(exc.orig or exc)}") from exc
        raise


def _is_data_error(exc: sa_exc.DBAPIError) -> bool:
    """A driver's "value does not fit" error (SQLSTATE class 22), however it is wrapped."""
    seen: BaseException | None = exc.orig
    while seen is not None:
        if type(seen).__name__ == "DataError" or str(getattr(seen, "sqlstate", "") or "").startswith("22"):
            return True
        seen = seen.__cause__
    return False


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
