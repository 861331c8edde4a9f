"""The SQLite plugin's engines: the writer (one connection, one holder at a time) and the
readers (a small pool that grows on demand), each connection a `SqliteConnection` with its
own thread (`prefect_storage_sqlite.threaded`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aiosqlite
from sqlalchemy import exc as sa_exc

from prefect_storage_sql.statements import StatementCache
from prefect_storage_sqlite.checkpoints import WRITER_AUTOCHECKPOINT_PAGES, BackgroundCheckpoints
from prefect_storage_sqlite.handoff import BusySince, Handoff
from prefect_storage_sqlite.sync_bridge import sqlite_dialect
from prefect_storage_sqlite.threaded import ConnectHook, SqliteConnection, StatementListener


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
        #: The writer's WAL checkpoints, run beside its commits instead of inside them.
        self.checkpoints = BackgroundCheckpoints(self._new_connection) if writer and database != ":memory:" else None
        if self.checkpoints is not None:
            self.pragmas.append(f"PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES}")
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
        if self._disposed:
            # dispose() ran while this one opened, so it did not see it: close it here, or
            # its thread outlives the engine (and may answer a statement after the loop closed).
            await conn.close()
            raise _disposed_error()
        self._open.add(conn)
        return conn

    async def _acquire(self) -> SqliteConnection:
        conn = await self._take()
        self._busy.held(conn)
        return conn

    async def _take(self) -> SqliteConnection:
        if self._disposed:
            raise _disposed_error()
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

    def _release_at_once(self, conn: SqliteConnection) -> bool:
        """Give `conn` back without awaiting anything when nothing is left to send it (no open
        stream, no transaction, still open) and it goes to a waiter or the idle list: the common
        case, which then costs no task for `asyncio.shield` and no loop iteration. False when the
        full `_release` must run (it has then done nothing)."""
        if conn.closed or conn._cursors or conn._transactional or self._disposed:
            return False
        if len(self._idle) >= self._idle_max and not self._waiters.has_waiters():
            return False  # the connection is to be closed: that awaits its thread
        self._busy.freed(conn)
        if not self._waiters.give(conn):
            self._idle.append(conn)
        if self._single is not None:
            self._single.release()
        return True

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

    async def hold(self) -> SqliteConnection:
        """A connection without a transaction, held until `give_back(conn)` (what `connect()`
        does around its block; `lanes.LaneConnection` takes one at a read's first statement)."""
        return await self._acquire()

    async def give_back(self, conn: SqliteConnection) -> None:
        """Give back a connection `hold()` returned."""
        if not self._release_at_once(conn):
            await asyncio.shield(self._release(conn))

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[SqliteConnection]:
        """A connection without a transaction (each statement on its own), given back on exit."""
        conn = await self.hold()
        try:
            yield conn
        finally:
            await self.give_back(conn)

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
            if not self._release_at_once(conn):
                await asyncio.shield(self._release(conn))

    async def dispose(self) -> None:
        """Close every connection, held ones too (after what they have queued), so that no
        worker thread outlives the event loop; a holder's further statements fail."""
        self._disposed = True
        if self.checkpoints is not None:
            await self.checkpoints.close()
        self._idle = []
        connections, self._open = list(self._open), set()
        for conn in connections:
            await conn.close()


def _disposed_error() -> sa_exc.InterfaceError:
    return sa_exc.InterfaceError("engine disposed", None, Exception("the SQLite engine is closed"))
