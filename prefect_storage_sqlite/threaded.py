"""SQLite through aiosqlite: every SQLite call runs in a connection's own thread.

Each connection is an aiosqlite connection (one thread, one stdlib `sqlite3` connection).
A statement is compiled and its parameters bound on the event loop
(`prefect_storage_sql.statements`, cached per statement shape); the worker thread then
runs BEGIN (when a transaction is pending), the statement, `fetchall`, `rowcount` and the
conversion of the rows in one go, so a statement costs one thread hop. SQLite releases the
GIL while it steps through a query, so a long read runs beside the loop.

The engine (`prefect_storage_sqlite.engine.SqliteEngine`) offers the slice of SQLAlchemy's
`AsyncEngine` the shared kit uses
(`prefect_storage_sql.engine.SqlEngine`: `connect()`/`begin()`, `execute`, `stream`,
`run_sync`, `commit`, `rollback`). The writer holds one connection (one holder at a time;
`BEGIN IMMEDIATE`); readers run at most `busy_connections` reads at once, a connection handed
from one read to the next, and another opened only once the youngest busy read has run
`overflow_after` seconds (`handoff.BusySince`): short reads queue, a read behind long ones
only opens its own at once; in WAL mode readers never wait for the writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from prefect_storage_sql.results import BufferedResult, StreamedResult
from prefect_storage_sql.statements import Prepared, RowShape, distill
from prefect_storage_sqlite.sync_bridge import sync_connection

if TYPE_CHECKING:  # the engine module imports this one
    from prefect_storage_sqlite.engine import SqliteEngine

T = TypeVar("T")
#: Called in a new connection's thread with its `sqlite3.Connection` (tests trace with it).
ConnectHook = Callable[[sqlite3.Connection], None]
#: Called on the loop with each statement's SQL and driver parameters before it is sent
#: (tests count and explain what the repositories send).
StatementListener = Callable[[str, Any], None]

#: Rows per thread hop when a result is streamed.
STREAM_CHUNK = 256


class SqliteConnection:
    """One aiosqlite connection with `AsyncConnection`'s awaitable methods."""

    def __init__(self, engine: SqliteEngine, driver: aiosqlite.Connection, db: sqlite3.Connection) -> None:
        self._engine = engine
        self._driver = driver
        self._db = db  # only ever used inside the driver's thread
        # The BEGIN to send with the next statement (read and cleared in the thread only, so a
        # statement still queued when its caller is cancelled runs in its transaction, and the
        # ROLLBACK queued behind it undoes it).
        self._begin: str | None = None
        # Writes whose results nobody reads (`defer`), sent in the thread before the next
        # statement or the COMMIT; swapped out in the thread only, for the same reason.
        self._deferred: list[tuple[str, Any, bool]] = []
        self._transactional = False  # inside begin(): commit/rollback end what BEGIN began
        self._queued = False  # a statement was queued since begin()
        self._cursors: set[sqlite3.Cursor] = set()  # streams not read to the end
        self._sync: sa.Connection | None = None  # for run_sync, built in the thread
        self.closed = False

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        self._queued = self._transactional
        return await self._in_thread(fn, *args)

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        # aiosqlite's one entry point for "run this function in the connection's thread".
        return await self._driver._execute(fn, *args)

    def _start(self, begin: str) -> None:
        self._begin, self._transactional, self._queued = begin, True, False

    def _run_begin(self) -> None:
        # In the thread, before the statement that needs the transaction: the pending
        # BEGIN, then the deferred writes, in the order they were issued.
        begin, self._begin = self._begin, None
        if begin is not None:
            self._db.execute(begin)
        if self._deferred:
            deferred, self._deferred = self._deferred, []
            for sql, params, many in deferred:
                try:
                    (self._db.executemany(sql, params) if many else self._db.execute(sql, params)).close()
                except sqlite3.Error as exc:
                    raise _wrapped(exc, sql, params) from exc

    def _execute_in_thread(self, prepared: Prepared, sql: str, params: Any, many: bool) -> BufferedResult:
        self._run_begin()
        cursor = self._db.executemany(sql, params) if many else self._db.execute(sql, params)
        try:
            description = cursor.description
            if description is None:
                return BufferedResult([], (), cursor.rowcount)
            rows = cursor.fetchall()
            rowcount = cursor.rowcount
        finally:
            cursor.close()
        shape = prepared.shape_for(description, self._engine.statements.dialect)
        if self._engine.map_rows_in_thread:
            return BufferedResult(shape.rows(rows), shape.keys, rowcount)
        return BufferedResult(rows, shape.keys, rowcount, shape)

    def _bind(self, statement: Any, parameters: Any) -> tuple[Any, str, Any, bool]:
        groups = distill(parameters)
        many = len(groups) > 1
        names = tuple(sorted(groups[0])) if groups else ()
        prepared, extracted = self._engine.statements.prepare(statement, names, many)
        if many:
            bound = [prepared.bind(g, extracted, i) for i, g in enumerate(groups)]
            sql, params = bound[0][0], [p for _, p in bound]
        else:
            sql, params = prepared.bind(groups[0] if groups else None, extracted, 0)
        for listener in self._engine.statement_listeners:
            listener(sql, params)
        return prepared, sql, params, many

    async def execute(self, statement: Any, parameters: Any = None) -> BufferedResult:
        prepared, sql, params, many = self._bind(statement, parameters)
        try:
            result = await self._call(self._execute_in_thread, prepared, sql, params, many)
        except sqlite3.Error as exc:
            raise _wrapped(exc, sql, params) from exc
        return result.mapped()

    async def defer(self, statement: Any, parameters: Any = None) -> None:
        """Execute a write whose result the caller never reads: inside a transaction it is
        bound now and sent with the connection's next statement or its COMMIT (one thread
        hop fewer); outside one, at once. Its error, if any, is raised by that later call,
        still inside the unit of work, whose rollback then undoes it with the rest."""
        if not self._transactional:
            await self.execute(statement, parameters)
            return
        _, sql, params, many = self._bind(statement, parameters)
        self._deferred.append((sql, params, many))
        self._queued = True  # the transaction's end has something to send

    async def stream(self, statement: Any, parameters: Any = None) -> StreamedResult:
        """The rows of a (long) read, fetched `STREAM_CHUNK` at a time."""
        prepared, sql, params, _ = self._bind(statement, parameters)

        dialect = self._engine.statements.dialect

        def first_chunk() -> tuple[sqlite3.Cursor, RowShape, list[Any]]:
            self._run_begin()
            cursor = self._db.execute(sql, params)
            self._cursors.add(cursor)
            shape = prepared.shape_for(cursor.description or (), dialect)
            return cursor, shape, shape.rows(cursor.fetchmany(STREAM_CHUNK))

        def next_chunk(cursor: sqlite3.Cursor, shape: RowShape) -> list[Any]:
            rows = cursor.fetchmany(STREAM_CHUNK)
            if not rows:
                cursor.close()
                self._cursors.discard(cursor)
            return shape.rows(rows)

        try:
            cursor, shape, rows = await self._call(first_chunk)
        except sqlite3.Error as exc:
            raise _wrapped(exc, sql, params) from exc

        async def more() -> list[Any]:
            try:
                return await self._call(next_chunk, cursor, shape)
            except sqlite3.Error as exc:
                raise _wrapped(exc, sql, params) from exc

        return StreamedResult(rows, more)

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sync_connection, *args)` in the connection's thread, inside this connection's
        transaction (a SQLAlchemy `Connection` over the same sqlite3 connection, whose own
        commit and rollback do nothing: the unit of work ends the transaction)."""

        def call() -> T:
            self._run_begin()
            if self._sync is None:
                self._sync = sync_connection(self._db)
            try:
                return fn(self._sync, *args)
            finally:
                self._sync.rollback()  # resets SQLAlchemy's own transaction state only
                if not self._transactional and self._db.in_transaction:
                    self._db.execute("ROLLBACK")  # whatever `fn` began outside a unit of work

        return await self._call(call)

    async def commit(self) -> None:
        await self._end("COMMIT")

    async def rollback(self) -> None:
        await self._end("ROLLBACK")

    async def _end(self, verb: str) -> None:
        if not self._transactional:
            return
        queued, self._transactional, self._queued = self._queued, False, False
        if not queued:  # nothing reached the thread: no BEGIN was sent
            self._begin = None
            return

        def end() -> None:
            if verb == "COMMIT":
                try:
                    self._run_begin()  # deferred writes (and their BEGIN) ride with the COMMIT
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            self._deferred = []  # on ROLLBACK: never sent, nothing to undo
            begun = self._begin is None
            self._begin = None
            if begun and self._db.in_transaction:  # SQLite may have rolled back by itself on an error
                self._db.execute(verb)

        try:
            await self._in_thread(end)
        except sqlite3.Error as exc:
            raise _wrapped(exc, verb, ()) from exc
        if verb == "COMMIT" and self._engine.checkpoints is not None:
            self._engine.checkpoints.committed()

    async def _reset(self) -> None:
        """Before the connection goes back to its pool: no open statement, no transaction."""
        if self._cursors:

            def close_cursors() -> None:
                for cursor in self._cursors:
                    cursor.close()
                self._cursors.clear()

            await self._in_thread(close_cursors)
        await self.rollback()

    async def close(self) -> None:
        """Close the connection once its queued statements ran, and end its thread (idempotent)."""
        if self.closed:
            return
        self.closed = True

        def close_sync() -> None:
            if self._sync is not None:
                self._sync.close()
                self._sync = None

        try:
            await self._in_thread(close_sync)
        finally:
            await self._driver.close()


def _wrapped(exc: sqlite3.Error, sql: str, params: Any) -> sa_exc.DBAPIError:
    """The driver's error as SQLAlchemy's matching class (OperationalError, IntegrityError, ...)."""
    wrapped = sa_exc.DBAPIError.instance(sql, params, exc, sqlite3.Error)
    assert isinstance(wrapped, sa_exc.DBAPIError)  # always, for a driver error
    return wrapped
