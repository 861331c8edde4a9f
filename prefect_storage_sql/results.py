"""Results of the engines' statements (SQLite's and PostgreSQL's), with the slice of SQLAlchemy's `Result` API
the repositories use (`first()`, `all()`, `scalar_one()`, `scalars()`, `mappings()`,
`rowcount`, iteration, and async iteration for streamed results)."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from sqlalchemy import exc as sa_exc

from prefect_storage_sql.statements import RowShape


class BufferedResult:
    """The rows of one executed statement (already fetched, in one thread hop): `SqlRow`s,
    or their first values after `scalars()`, or dicts after `mappings()`."""

    __slots__ = ("_rows", "_shape", "keys_", "rowcount")

    def __init__(self, rows: list[Any], keys: tuple[str, ...], rowcount: int, shape: RowShape | None = None) -> None:
        self._rows = rows
        self._shape = shape  # set while `rows` are still the driver's tuples
        self.keys_ = keys
        #: Rows the statement changed (INSERT/UPDATE/DELETE), as the driver reports it.
        self.rowcount = rowcount

    def mapped(self) -> BufferedResult:
        """This result with its rows converted (if the worker thread left that to the loop)."""
        if self._shape is not None:
            self._rows, self._shape = self._shape.rows(self._rows), None
        return self

    @property
    def returns_rows(self) -> bool:
        return bool(self.keys_)

    def keys(self) -> list[str]:
        return list(self.keys_)

    def __iter__(self) -> Iterator[Any]:
        rows, self._rows = self._rows, []
        return iter(rows)

    def all(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    fetchall = all

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int = 1) -> list[Any]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def first(self) -> Any:
        rows, self._rows = self._rows, []
        return rows[0] if rows else None

    def one_or_none(self) -> Any:
        rows, self._rows = self._rows, []
        if len(rows) > 1:
            raise sa_exc.MultipleResultsFound("Multiple rows were found when one or none was required")
        return rows[0] if rows else None

    def one(self) -> Any:
        row = self.one_or_none()
        if row is None:
            raise sa_exc.NoResultFound("No row was found when one was required")
        return row

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self, index: int = 0) -> BufferedResult:
        rows, self._rows = self._rows, []
        return BufferedResult([row[index] for row in rows], ("",), self.rowcount)

    def mappings(self) -> BufferedResult:
        rows, self._rows = self._rows, []
        return BufferedResult([row._mapping for row in rows], self.keys_, self.rowcount)

    def tuples(self) -> BufferedResult:
        return self

    def close(self) -> None:
        self._rows = []


class StreamedResult:
    """Rows fetched in chunks, one thread hop per chunk (`AsyncConnection.stream`)."""

    def __init__(self, first: list[Any], fetch_more: Callable[[], Awaitable[list[Any]]] | None) -> None:
        self._buffered = deque(first)
        self._fetch_more = fetch_more

    def __aiter__(self) -> StreamedResult:
        return self

    async def __anext__(self) -> Any:
        while not self._buffered:
            if self._fetch_more is None:
                raise StopAsyncIteration
            self._buffered.extend(await self._fetch_more())
            if not self._buffered:
                self._fetch_more = None
        return self._buffered.popleft()
