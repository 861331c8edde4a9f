"""A small pool of asyncpg connections: LIFO, `size` kept idle, `max_overflow` more under load.

Our own rather than asyncpg's `Pool`: that one resets every returned connection with a
round trip (`RESET ALL`, `UNLISTEN *`, ...) and hands connections out first in, first
out; SQLAlchemy's pinged each one on checkout (three round trips). Here a connection
taken from the pool is checked locally (`is_closed()`, which turns true as soon as the
loop has seen the server close it), and a clean one goes back without a round trip.

A connection that comes back with a read-only transaction open (a read unit of work) goes
back as it is: its next user ends that transaction in the same round trip as its own BEGIN
(`ROLLBACK; BEGIN ...`), so a read costs two round trips, not three. One left idle for
`IDLE_RESET_SECONDS` is rolled back in the background, so an idle server holds no snapshot
(nor an "idle in transaction" session) for longer than that. Any other open transaction (an
error in a write, a cancelled request) is rolled back in a task of its own before the
connection is reused, at once: a failed write may hold row locks. No caller waits for these
ROLLBACKs and a cancelled caller cannot leave one half done.

Overflow connections (beyond `size`) are closed once they have been idle for
`OVERFLOW_IDLE_SECONDS`, not as soon as they are returned: under a load that hovers around
`size` connections in use, closing each returned one meant opening another a moment later
(a new server process, authentication, codec set-up and every statement prepared again).
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
#: Seconds a connection may stay idle with a read-only transaction open before it is rolled back.
IDLE_RESET_SECONDS = 0.05
#: Seconds an idle connection beyond `size` is kept for the next burst before it is closed.
OVERFLOW_IDLE_SECONDS = 10.0


class Pooled(Protocol):
    """What the pool needs of a connection (`prefect_storage_postgres.engine.PgConnection`)."""

    def is_closed(self) -> bool: ...

    def needs_reset(self) -> bool:
        """Whether a transaction may still be open (or a statement still running)."""
        ...

    def can_defer_reset(self) -> bool:
        """Whether the open transaction is a finished read-only one that the connection's next
        user may end with its own BEGIN (else the pool rolls it back before reuse)."""
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
        self._idle_since: dict[Pooled, float] = {}  # loop time each idle connection came back
        self._sweep: asyncio.Handle | None = None
        self._sweep_at = 0.0  # the loop time `_sweep` is due at
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
                async with asyncio.timeout(self.timeout):  # no task per wait, unlike wait_for
                    await self._slots.acquire()
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
                self._idle_since.pop(conn, None)
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
        """Give `conn` back: at once when it is clean or has a finished read open, else after
        a ROLLBACK in a task."""
        if conn.needs_reset() and not conn.is_closed() and not conn.can_defer_reset():
            self._reset_in_background(conn)
            return
        self._keep(conn)

    def _reset_in_background(self, conn: Pooled) -> None:
        task = asyncio.get_running_loop().create_task(self._reset_then_keep(conn))
        self._resets.add(task)
        task.add_done_callback(self._resets.discard)

    async def _reset_then_keep(self, conn: Pooled) -> None:
        try:
            await asyncio.wait_for(conn.reset(), RESET_TIMEOUT)
        except BaseException:
            conn.terminate()  # unknown state: never hand it out again
        self._keep(conn)

    def _keep(self, conn: Pooled) -> None:
        try:
            if not conn.is_closed() and not self._closed:
                loop = asyncio.get_running_loop()
                self._idle.append(conn)
                self._idle_since[conn] = loop.time()
                if conn.needs_reset():
                    self._sweep_by(loop.time() + IDLE_RESET_SECONDS)
                elif len(self._idle) > self._size:
                    self._sweep_by(loop.time() + OVERFLOW_IDLE_SECONDS)
                return
            self._open.discard(conn)
            if not conn.is_closed():
                self._close_in_background(conn)  # the pool is closing
        finally:
            self._slots.release()

    def _close_in_background(self, conn: Pooled) -> None:
        task = asyncio.get_running_loop().create_task(conn.close())
        self._resets.add(task)
        task.add_done_callback(self._resets.discard)

    def _sweep_by(self, when: float) -> None:
        """Have `_sweep_idle` run at `when` at the latest."""
        if self._sweep is not None:
            # Our own record of the due time: uvloop's handles have no `when()` (a `call_at`
            # already due even returns a plain handle).
            if self._sweep_at <= when:
                return
            self._sweep.cancel()
        self._sweep_at = when
        self._sweep = asyncio.get_running_loop().call_at(when, self._sweep_idle)

    def _sweep_idle(self) -> None:
        """Roll back idle connections whose read was left open `IDLE_RESET_SECONDS` ago, and
        close the oldest idle ones beyond `size` once idle for `OVERFLOW_IDLE_SECONDS`; then
        come back while any remain to be done."""
        self._sweep = None
        if self._closed:
            return
        now = asyncio.get_running_loop().time()
        next_due: float | None = None
        surplus = len(self._idle) - self._size
        for conn in list(self._idle):  # the least recently returned first
            since = self._idle_since.get(conn, now)
            if surplus > 0:
                if now - since >= OVERFLOW_IDLE_SECONDS:
                    surplus -= 1
                    self._take_idle(conn)
                    self._open.discard(conn)
                    self._close_in_background(conn)
                    continue
                due = since + OVERFLOW_IDLE_SECONDS
                next_due = due if next_due is None else min(next_due, due)
            if conn.needs_reset() and not conn.is_closed():
                if now - since >= IDLE_RESET_SECONDS:
                    if self._slots.locked():
                        due = now + IDLE_RESET_SECONDS  # every slot taken: try again later
                    else:
                        self._take_idle(conn)
                        # What acquire() does when a slot is free, without awaiting.
                        self._slots._value -= 1
                        self._reset_in_background(conn)
                        continue
                else:
                    due = since + IDLE_RESET_SECONDS
                next_due = due if next_due is None else min(next_due, due)
        if next_due is not None:
            self._sweep_by(next_due)

    def _take_idle(self, conn: Pooled) -> None:
        self._idle.remove(conn)
        self._idle_since.pop(conn, None)

    async def close(self) -> None:
        """Close every connection once pending resets are done (idempotent); connections still
        held are closed too, so their holders' further statements fail."""
        self._closed = True
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        while self._resets:
            await asyncio.gather(*list(self._resets), return_exceptions=True)
        self._idle = []
        self._idle_since = {}
        connections, self._open = list(self._open), set()
        for conn in connections:
            try:
                await asyncio.wait_for(conn.close(), RESET_TIMEOUT)
            except BaseException:
                conn.terminate()
