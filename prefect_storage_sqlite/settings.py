"""The SQLite backend's own settings (docs/configuration.md lists them)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from prefect_core.settings import EnvironSettings


class SqliteSettings(EnvironSettings):
    """Where the database file lives and how each connection is set up."""

    #: The database file, relative to the working directory (":memory:" for none).
    path: Path = Field(default=Path("prefect.db"), validation_alias="PREFECT_DATABASE_PATH")
    #: How long a connection waits for another process's lock before SQLITE_BUSY.
    busy_timeout_ms: int = Field(default=60_000, ge=0, validation_alias="PREFECT_SQLITE_BUSY_TIMEOUT_MS")
    #: Page cache per connection; negative means KiB (-2000: 2 MiB, SQLite's own default),
    #: positive pages. Misses are served from the OS's file cache: a point read cost the
    #: same at 2 and 8 MiB, while 8 MiB x the writer and the readers held ~30 MiB more.
    cache_size: int = Field(default=-2_000, validation_alias="PREFECT_SQLITE_CACHE_SIZE")
    #: Reads that run at once on their own connections (threads) before a further read
    #: waits for one of them to be given back.
    readers: int = Field(default=2, ge=1, le=64, validation_alias="PREFECT_SQLITE_READERS")
    #: How long a read waits for a busy reader before it opens a connection of its own (so
    #: long reads never hold a short one for longer than this).
    reader_wait_ms: int = Field(default=10, ge=0, le=10_000, validation_alias="PREFECT_SQLITE_READER_WAIT_MS")
    #: The nice value of the reader connections' threads (Linux), so that long reads leave the
    #: core to the event loop first (`prefect_storage_sqlite.thread_priority`); 0: unchanged.
    reader_nice: int = Field(default=10, ge=0, le=19, validation_alias="PREFECT_SQLITE_READER_NICE")
    #: Point reads (one row by primary key, `prefect_storage_sqlite.lanes`) run at once on
    #: connections of their own whose threads keep the normal priority, so they do not queue
    #: behind the niced long reads; 0: every read on the niced readers. Unused when
    #: `reader_nice` is 0.
    point_readers: int = Field(default=2, ge=0, le=64, validation_alias="PREFECT_SQLITE_POINT_READERS")

    #: Where sorts and GROUP BYs without an index keep their temporary b-trees: "FILE" (a temp
    #: file, its pages buffered by a small cache of their own and the OS's file cache),
    #: "MEMORY" (the process's heap), or "DEFAULT" (SQLite's build default). In memory, a
    #: day's events counted by name (~330,000 rows, three readers at once) took SQLite to
    #: 73 MiB, freed afterwards but kept by glibc's per-thread arenas: RSS stayed ~70 MiB higher,
    #: and the count was no faster (docs/architecture.md, "Temporary b-trees in a file").
    temp_store: Literal["DEFAULT", "FILE", "MEMORY"] = Field(
        default="FILE", validation_alias="PREFECT_SQLITE_TEMP_STORE"
    )

    def pragmas(self) -> list[str]:
        """The statements every connection runs when it opens."""
        return [
            "PRAGMA journal_mode = WAL",  # readers run while the writer writes
            f"PRAGMA busy_timeout = {self.busy_timeout_ms}",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = NORMAL",  # durable across process crashes in WAL mode
            f"PRAGMA cache_size = {self.cache_size}",
            f"PRAGMA temp_store = {self.temp_store}",
        ]
