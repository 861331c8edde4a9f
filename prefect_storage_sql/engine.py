"""The engine interface the shared SQL kit runs on.

`SqlStorage` and the repositories need only this slice of SQLAlchemy's `AsyncEngine` /
`AsyncConnection` / `Result`. SQLAlchemy's async engine satisfies it, and so do the plugins'
engines, which execute Core statements without SQLAlchemy's per-execution machinery: the
SQLite plugin's aiosqlite engine (`prefect_storage_sqlite.threaded`) and the PostgreSQL
plugin's asyncpg engine (`prefect_storage_postgres.engine`). A repository written against
these methods runs on both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class SqlResult(Protocol):
    """The rows of one executed statement (SQLAlchemy's `Result` methods of the same names).

    Rows are tuples whose columns are also attributes (`row.name`) and, through
    `row._mapping`, mapping keys.
    """

    @property
    def rowcount(self) -> int:
        """Rows an INSERT, UPDATE or DELETE changed."""
        ...

    def __iter__(self) -> Iterator[Any]: ...

    def all(self) -> Sequence[Any]: ...

    def first(self) -> Any:
        """The first row or None (the rest are discarded)."""
        ...

    def one(self) -> Any: ...

    def one_or_none(self) -> Any: ...

    def scalar(self) -> Any: ...

    def scalar_one(self) -> Any: ...

    def scalar_one_or_none(self) -> Any: ...

    def scalars(self) -> Any:
        """The rows' first values, iterable, with `all()`/`first()`/`one()`."""
        ...

    def mappings(self) -> Any:
        """The rows as mappings of column key to value, iterable, with `all()`/`first()`."""
        ...


class SqlConnection(Protocol):
    """A connection of a unit of work (SQLAlchemy's `AsyncConnection` methods)."""

    async def execute(self, statement: Any, parameters: Any = None) -> SqlResult:
        """Execute a Core statement with one mapping of parameters (or a list: executemany)."""
        ...

    def stream(self, statement: Any, parameters: Any = None) -> Awaitable[Any]:
        """Execute a read whose rows are fetched as they are iterated (`async for` over the
        awaited result)."""
        ...

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sync_connection, *args)` with a synchronous SQLAlchemy `Connection` on the same
        database connection and transaction (schema inspection, migrations)."""
        ...


class SqlEngine(Protocol):
    """Where a storage gets its connections (SQLAlchemy's `AsyncEngine` methods)."""

    def connect(self) -> AbstractAsyncContextManager[SqlConnection]:
        """A `SqlConnection` without an explicit transaction, released on exit."""
        ...

    def begin(self) -> AbstractAsyncContextManager[SqlConnection]:
        """A `SqlConnection` in a transaction, committed on a normal exit, rolled back on error."""
        ...

    async def dispose(self) -> None:
        """Close every connection."""
        ...
