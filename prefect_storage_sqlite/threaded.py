"""SQLite through aiosqlite: every SQLite call runs in a connection's own thread.

Each connection is an aiosqlite connection (one thread, one stdlib `sqlite3` connection).
A statement is compiled and its parameters bound on the event loop
(`prefect_storage_sql.statements`, cached per statement shape); the worker thread then
runs BEGIN (when a transaction is pending), the statement, `fetchall`, `rowcount` and the
conversion of the rows in one go, so a statement costs one thread hop. SQLite releases the
GIL while it steps through a query, so a long read runs beside the loop.

The engine offers the slice of SQLAlchemy's `AsyncEngine` the shared kit uses
(`prefect_storage_sql.engine.SqlEngine`: `connect()`/`begin()`, `execute`, `stream`,
`run_sync`, `commit`, `rollback`). The writer holds one connection (one holder at a time;
`BEGIN IMMEDIATE`); readers run at most `busy_connections` reads at once, a connection handed
from one read to the next, and another opened only once the youngest busy read has run
`overflow_after` seconds (`handoff.BusySince`): short reads queue, a read behind long ones
only opens its own at once; in WAL mode readers never wait for the writer.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from prefect_storage_sql.results import BufferedResult, StreamedResult
from prefect_storage_sql.statements import Prepared, RowShape, StatementCache, distill
from prefect_storage_sqlite.handoff import BusySince, Handoff
from prefect_storage_sqlite.sync_bridge import sqlite_dialect, sync_connection

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


class SqliteEngine:
    """The writer (one connection, one holder at a time) or the readers (a small pool
    that grows on demand) of one database file."""

    def __init__(
        self,
        database: str,
        pragmas: Sequence[str],
        *,
        writer: bool,
        idle_connections: int = 2,
        busy_connections: int | None = None,
        overflow_after: float = 0.01,
        connect_hooks: Sequence[ConnectHook] = (),
        statements: StatementCache | None = None,
        map_rows_in_thread: bool = True,
    ) -> None:
        self.database = database
        self.pragmas = list(pragmas)
        self.writer = writer
        self.statements = statements or StatementCache(sqlite_dialect())
        self.statement_listeners: list[StatementListener] = []
        #: Convert fetched rows in the connection's thread: a large result then yields the GIL
        #: every switch interval instead of holding the loop (measured: docs/architecture.md).
        self.map_rows_in_thread = map_rows_in_thread
        self._connect_hooks = list(connect_hooks)
        self._idle: list[SqliteConnection] = []
        self._idle_max = 1 if writer else idle_connections
        self._busy_max = busy_connections  # fewer threads wait less for the GIL; no churn
        self._waiters: Handoff[SqliteConnection] = Handoff(self._give_back)
        self._busy = BusySince(overflow_after)
        self._opening = 0
        self._open: set[SqliteConnection] = set()
        self._single = asyncio.Lock() if writer else None
        self._begin_sql = "BEGIN IMMEDIATE" if writer else "BEGIN"
        self._disposed = False

    async def _new_connection(self) -> SqliteConnection:
        driver = aiosqlite.connect(self.database, isolation_level=None)
        driver._thread.daemon = True  # an unclosed connection must not keep the process alive
        await driver
        db = driver._conn

        def set_up() -> None:
            for pragma in self.pragmas:
                db.execute(pragma).close()
            for hook in self._connect_hooks:
                hook(db)

        await driver._execute(set_up)
        conn = SqliteConnection(self, driver, db)
        self._open.add(conn)
        return conn

    async def _acquire(self) -> SqliteConnection:
        conn = await self._take()
        self._busy.held(conn)
        return conn

    async def _take(self) -> SqliteConnection:
        if self._disposed:
            raise sa_exc.InterfaceError("engine disposed", None, Exception("the SQLite engine is closed"))
        if self._single is not None:
            await self._single.acquire()
        try:
            if self._idle:
                return self._idle.pop()
            if self._busy_max is not None and len(self._open) + self._opening >= self._busy_max:
                budget = self._busy.wait_budget()
                if budget > 0 and (conn := await self._waiters.wait(budget)) is not None:
                    return conn
            self._opening += 1
            try:
                return await self._new_connection()
            finally:
                self._opening -= 1
        except BaseException:
            if self._single is not None:
                self._single.release()
            raise

    async def _give_back(self, conn: SqliteConnection) -> None:
        if self._waiters.give(conn):
            return
        if len(self._idle) < self._idle_max and not self._disposed:
            self._idle.append(conn)
        else:
            self._open.discard(conn)
            await conn.close()

    async def _release(self, conn: SqliteConnection) -> None:
        self._busy.freed(conn)
        try:
            if conn.closed:  # by dispose(), while it was held
                self._open.discard(conn)
                return
            await conn._reset()
            await self._give_back(conn)
        except BaseException:
            self._open.discard(conn)
            await conn.close()
            raise
        finally:
            if self._single is not None:
                self._single.release()

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[SqliteConnection]:
        """A connection without a transaction (each statement on its own), given back on exit."""
        conn = await self._acquire()
        try:
            yield conn
        finally:
            await asyncio.shield(self._release(conn))

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[SqliteConnection]:
        """A connection in a transaction (BEGIN sent with the first statement), committed
        on a normal exit and rolled back on an exception."""
        conn = await self._acquire()
        try:
            conn._start(self._begin_sql)
            try:
                yield conn
            except BaseException:
                await asyncio.shield(conn.rollback())
                raise
            await conn.commit()
        finally:
            await asyncio.shield(self._release(conn))

    async def dispose(self) -> None:
        """Close every connection, held ones too (after what they have queued), so that no
        worker thread outlives the event loop; a holder's further statements fail."""
        self._disposed = True
        self._idle = []
        connections, self._open = list(self._open), set()
        for conn in connections:
            await conn.close()


def _wrapped(exc: sqlite3.Error, sql: str, params: Any) -> sa_exc.DBAPIError:
    """The driver's error as SQLAlchemy's matching class (OperationalError, IntegrityError, ...)."""
    wrapped = sa_exc.DBAPIError.instance(sql, params, exc, sqlite3.Error)
    assert isinstance(wrapped, sa_exc.DBAPIError)  # always, for a driver error
    return wrapped
