"""Two lanes of reader connections: point reads on threads at normal priority, every other read
on the niced ones (`thread_priority`).

The readers' threads are niced so that long reads leave the core to the event loop. A point
read (one row by its primary key: `GET /flow_runs/{id}`) on such a thread queued behind the
long reads on the same core: its thread was runnable but not running for most of its wait
(docs/benchmarks.md, "Why the point read misses 10 ms"). A point read costs ~0.15 ms of CPU, so
running it at normal priority takes next to nothing from the loop, and it no longer shares the
core with the heavy reads as their equal.

A read unit of work takes its connection at its first statement, from the lane that statement
picks (`is_point_read`); the statements after it run on the same connection, whatever their
kind (the repositories' units that begin with a point read are short). Reads run without a
transaction (each statement its own snapshot, `SqliteEngine.connect`), so taking the connection
later changes nothing a read sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from prefect_storage_sql.results import BufferedResult, StreamedResult
from prefect_storage_sqlite.engine import SqliteEngine
from prefect_storage_sqlite.threaded import SqliteConnection, StatementListener

T = TypeVar("T")


def is_point_read(statement: Any) -> bool:
    """Whether `statement` is a SELECT of one row by primary key: its WHERE holds (at the top,
    alone or in an AND) an equality of a table's single-column primary key with a bound value,
    and it has no GROUP BY. Such a read visits one row of that table (and the rows it joins to,
    one each in the repositories' point reads: the run's current state); anything else (a
    filter, a count, a history, an `IN` list, textual SQL) is not one."""
    if not isinstance(statement, sa.Select) or statement._group_by_clauses:
        return False
    return any(_has_key_equality(criterion) for criterion in statement._where_criteria)


def _has_key_equality(clause: Any) -> bool:
    if isinstance(clause, BooleanClauseList):
        return clause.operator is operators.and_ and any(_has_key_equality(c) for c in clause.clauses)
    if not isinstance(clause, BinaryExpression) or clause.operator is not operators.eq:
        return False
    for column, value in ((clause.left, clause.right), (clause.right, clause.left)):
        if isinstance(value, BindParameter) and isinstance(column, sa.Column) and column.primary_key:
            table = column.table
            return isinstance(table, sa.Table) and len(table.primary_key.columns) == 1
    return False


class ReadLanes:
    """The readers' engine (`SqlEngine`): `light`'s connections (threads at normal priority)
    for point reads, `heavy`'s (niced) for every other read."""

    def __init__(self, heavy: SqliteEngine, light: SqliteEngine) -> None:
        self.heavy = heavy
        self.light = light
        # One list of listeners and one statement cache for both lanes: what a test counts or
        # inspects on the readers covers either lane.
        light.statement_listeners = heavy.statement_listeners
        light.statements = heavy.statements
        self.statements = heavy.statements

    @property
    def statement_listeners(self) -> list[StatementListener]:
        return self.heavy.statement_listeners

    @property
    def map_rows_in_thread(self) -> bool:
        return self.heavy.map_rows_in_thread

    @map_rows_in_thread.setter
    def map_rows_in_thread(self, value: bool) -> None:
        self.heavy.map_rows_in_thread = self.light.map_rows_in_thread = value

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[LaneConnection]:
        """A read's connection, taken from its lane at the first statement, given back on exit."""
        conn = LaneConnection(self)
        try:
            yield conn
        finally:
            await conn.give_back()

    def begin(self) -> AbstractAsyncContextManager[SqliteConnection]:
        """A connection in a transaction, from the niced lane (the storage reads without one)."""
        return self.heavy.begin()

    async def dispose(self) -> None:
        await self.light.dispose()
        await self.heavy.dispose()


class LaneConnection:
    """A read unit of work's connection (`SqlConnection`), held from its first statement on."""

    __slots__ = ("_conn", "_engine", "_lanes", "_taking")

    def __init__(self, lanes: ReadLanes) -> None:
        self._lanes = lanes
        self._conn: SqliteConnection | None = None
        self._engine: SqliteEngine | None = None
        self._taking: asyncio.Event | None = None  # set while the first statement waits for a connection

    async def _connection(self, light: bool) -> SqliteConnection:
        while self._conn is None:
            if self._taking is not None:  # a statement issued beside the first: same connection
                await self._taking.wait()
                continue
            taking = self._taking = asyncio.Event()
            engine = self._lanes.light if light else self._lanes.heavy
            try:
                self._conn = await engine.hold()
                self._engine = engine
            finally:
                self._taking = None
                taking.set()
        return self._conn

    async def execute(self, statement: Any, parameters: Any = None) -> BufferedResult:
        conn = self._conn or await self._connection(is_point_read(statement))
        return await conn.execute(statement, parameters)

    async def stream(self, statement: Any, parameters: Any = None) -> StreamedResult:
        conn = self._conn or await self._connection(False)
        return await conn.stream(statement, parameters)

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        conn = self._conn or await self._connection(False)
        return await conn.run_sync(fn, *args)

    async def give_back(self) -> None:
        conn, engine, self._conn, self._engine = self._conn, self._engine, None, None
        if conn is not None and engine is not None:
            await engine.give_back(conn)
