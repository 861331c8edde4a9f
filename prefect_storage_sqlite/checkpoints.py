"""WAL checkpoints off the writer's commits.

SQLite's automatic checkpoint runs inside the COMMIT that takes the write-ahead log past
`wal_autocheckpoint` pages (1,000 by default): that commit then copies the log into the
database file and syncs both, which measured 10–60 ms for about one commit in a hundred
under a stream of state changes (the write endpoints' p99). Here the writer's own automatic
checkpoint is moved far out (`WRITER_AUTOCHECKPOINT_PAGES`, only a backstop should these
fall behind) and, every `CHECKPOINT_EVERY` commits, a `PASSIVE` checkpoint runs in a
connection (thread) of its own while the writer goes on. `PASSIVE` never waits for a lock
and never blocks the writer or a reader; `synchronous` is unchanged, so what a commit
guarantees is unchanged: only which thread copies the log into the database file differs.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("prefect_storage_sqlite")

#: Commits between two background checkpoints (a state change writes a handful of pages, so
#: about as often as SQLite's default of 1,000 pages would).
CHECKPOINT_EVERY = 100
#: The writer's own automatic checkpoint, a backstop only: ~40 MiB of log at 4 KiB pages.
WRITER_AUTOCHECKPOINT_PAGES = 10_000


class _Connection(Protocol):
    async def _in_thread(self, fn: Callable[[], None]) -> None: ...

    @property
    def _db(self) -> sqlite3.Connection: ...


class BackgroundCheckpoints:
    """Counts the writer's commits and checkpoints the log in a connection of its own."""

    def __init__(self, open_connection: Callable[[], Awaitable[_Connection]], every: int = CHECKPOINT_EVERY) -> None:
        self._open = open_connection
        self.every = every
        self._since = 0
        self._task: asyncio.Task[None] | None = None
        self._conn: _Connection | None = None
        self._closed = False
        #: Checkpoints completed (tests read it).
        self.completed = 0

    def committed(self) -> None:
        """Called on the loop after each commit of the writer."""
        self._since += 1
        if self._since >= self.every and self._task is None and not self._closed:
            self._since = 0
            self._task = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            if self._conn is None:
                self._conn = await self._open()
            conn = self._conn

            def run() -> None:
                conn._db.execute("PRAGMA wal_checkpoint(PASSIVE)").close()

            await conn._in_thread(run)
            self.completed += 1
        except Exception as exc:  # the next one, or the writer's backstop, checkpoints instead
            log.debug("background WAL checkpoint failed: %s", exc)
        finally:
            self._task = None

    async def close(self) -> None:
        """Let a running checkpoint finish; start no other (its connection is the engine's to close)."""
        self._closed = True
        if self._task is not None:
            await asyncio.shield(self._task)
