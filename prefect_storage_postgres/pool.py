"""A small pool of asyncpg connections: LIFO, `size` kept idle, `max_overflow` more under load.

Our own rather than asyncpg's `Pool`: that one resets every returned connection with a
round trip (`RESET ALL`, `UNLISTEN *`, ...) and hands connections out first in, first
out; SQLAlchemy's pinged each one on checkout (three round trips). Here a connection
taken from the pool is checked locally (`is_closed()`, which turns true as soon as the
loop has seen the server close it), a clean one goes back without a round trip, and one
that still has a transaction open (a read, an error, a cancelled request) is rolled back
in a task of its own before it is reused, so no caller waits for that ROLLBACK and a
cancelled caller cannot leave it half done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import exc as sa_exc

from prefect_storage_postgres.errors import is_driver_error, wrapped

#: Seconds a caller waits for a connection when all are in use (SQLAlchemy's default too).
POOL_TIMEOUT = 30.0
#: Seconds the ROLLBACK of a returned connection may take before the connection is dropped.
RESET_TIMEOUT = 10.0


class Pooled(Protocol):
    """What the pool needs of a connection (`prefect_storage_postgres.engine.PgConnection`)."""

    def is_closed(self) -> bool: ...

    def needs_reset(self) -> bool:
        """Whether a transaction may still be open (or a statement still running)."""
        ...

    async def reset(self) -> None:
        """End whatever transaction is open (ROLLBACK)."""
        ...

    def terminate(self) -> None: ...

    async def close(self) -> None: ...


class PgPool:
    """Connections made by `connect()`, at most `size + max_overflow` at once."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Pooled]],
        size: int,
        max_overflow: int,
        timeout: float = POOL_TIMEOUT,
    ) -> None:
        self._connect = connect
        self._size = size
        self.max_overflow = max_overflow
        self.timeout = timeout
        self._idle: list[Pooled] = []  # the most recently returned last: handed out first
        self._slots = asyncio.Semaphore(size + max_overflow)
        self._open: set[Pooled] = set()
        self._resets: set[asyncio.Task[None]] = set()
        self._closed = False

    def size(self) -> int:
        """Connections kept open when idle."""
        return self._size

    def idle(self) -> int:
        """Connections open and not held (tests)."""
        return len(self._idle)

    async def acquire(self) -> Pooled:
        """A live connection; waits up to `timeout` seconds for one to be returned."""
        if self._closed:
            raise sa_exc.InterfaceError(None, None, Exception("the PostgreSQL engine is closed"))
        if self._slots.locked():
            try:
                await asyncio.wait_for(self._slots.acquire(), self.timeout)
            except TimeoutError:
                raise sa_exc.TimeoutError(
                    f"all {self._size + self.max_overflow} PostgreSQL connections in use "
                    f"(PREFECT_DATABASE_POOL_SIZE + PREFECT_DATABASE_POOL_MAX_OVERFLOW), none returned "
                    f"within {self.timeout:g}s"
                ) from None
        else:
            await self._slots.acquire()  # returns at once: a slot is free
        try:
            while self._idle:
                conn = self._idle.pop()
                if not conn.is_closed():
                    return conn
                self._open.discard(conn)  # the server or a proxy closed it while idle
            try:
                conn = await self._connect()
            except Exception as exc:
                if is_driver_error(exc):
                    raise wrapped(exc, "connect", None) from exc
                raise
            self._open.add(conn)
            return conn
        except BaseException:
            self._slots.release()
            raise

    def release(self, conn: Pooled) -> None:
        """Give `conn` back: at once when it is clean, else after a ROLLBACK in a task."""
        if conn.needs_reset() and not conn.is_closed():
            task = asyncio.get_running_loop().create_task(self._reset_then_keep(conn))
            self._resets.add(task)
            task.add_done_callback(self._resets.discard)
            return
        self._keep(conn)

    async def _reset_then_keep(self, conn: Pooled) -> None:
        try:
            await asyncio.wait_for(conn.reset(), RESET_TIMEOUT)
        except BaseException:
            conn.terminate()  # unknown state: never hand it out again
        self._keep(conn)

    def _keep(self, conn: Pooled) -> None:
        try:
            if not conn.is_closed() and not self._closed and len(self._idle) < self._size:
                self._idle.append(conn)
                return
            self._open.discard(conn)
            if not conn.is_closed():
                # An overflow connection (or the pool is closing): closed, not kept.
                task = asyncio.get_running_loop().create_task(conn.close())
                self._resets.add(task)
                task.add_done_callback(self._resets.discard)
        finally:
            self._slots.release()

    async def close(self) -> None:
        """Close every connection once pending resets are done (idempotent); connections still
        held are closed too, so their holders' further statements fail."""
        self._closed = True
        while self._resets:
            await asyncio.gather(*list(self._resets), return_exceptions=True)
        self._idle = []
        connections, self._open = list(self._open), set()
        for conn in connections:
            try:
                await asyncio.wait_for(conn.close(), RESET_TIMEOUT)
            except BaseException:
                conn.terminate()
