"""A synchronous SQLAlchemy `Connection` over one of the engine's asyncpg connections.

`SqlConnection.run_sync(fn)` hands `fn` such a connection (schema inspection with
`sa.inspect`, Alembic's comparison in tests): SQLAlchemy's own asyncpg dialect, on a
throw-away engine whose one connection is ours, borrowed. It runs in AUTOCOMMIT mode, so
SQLAlchemy sends no BEGIN/COMMIT/ROLLBACK of its own: its statements run inside the
transaction the unit of work already has open, which alone decides what is kept.
Rare (never on a request's hot path), so nothing here is cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

T = TypeVar("T")


class _Borrowed:
    """The asyncpg connection, except that SQLAlchemy may not close it (its owner does)."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self._raw = raw

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    async def close(self, *, timeout: float | None = None) -> None:
        pass

    def terminate(self) -> None:
        pass


async def run_on_sync_connection(
    raw: asyncpg.Connection, dialect_options: dict[str, Any], fn: Callable[..., T], *args: Any
) -> T:
    """`fn(sync_connection, *args)` on a SQLAlchemy connection over `raw`."""

    async def borrow() -> Any:
        return _Borrowed(raw)

    engine = create_async_engine(
        "postgresql+asyncpg://",
        async_creator=borrow,
        poolclass=StaticPool,
        isolation_level="AUTOCOMMIT",
        **dialect_options,
    )
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn, *args)
    finally:
        await engine.dispose()
