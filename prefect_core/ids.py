"""Identifiers for what the server stores: time-ordered UUIDs (version 7, RFC 9562).

Every primary key and most indexes of the schema are UUIDs. A random UUID (version 4) lands
anywhere in an index, so once the index outgrows the page cache each insert reads and
rewrites a page of its own: on SQLite at 100,000 flow runs, writing 500 events with random
ids (and their resource rows) took ~85 ms, with version 7 ids ~7 ms, less than on an empty
database (docs/benchmarks.md). A version 7 UUID begins with its creation time in
milliseconds, so new keys go to the end of the index, in its canonical text (SQLite's
storage) and in its bytes (PostgreSQL's `uuid`) alike. The reference server and the
`prefect` client's events use version 7 too; ids a client supplies are stored as given.

Python's `uuid.uuid7` arrives in 3.14; until the floor moves there, this module makes them.
"""

from __future__ import annotations

import os
import time
from uuid import UUID

_RAND_A_MASK = (1 << 12) - 1
_RAND_B_MASK = (1 << 62) - 1
_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62


def uuid7() -> UUID:
    """A new version 7 UUID: 48 bits of Unix time in ms, then 74 random bits.

    Ids made within the same millisecond are ordered among themselves only by chance; an
    index needs their locality, not a strict order, and nothing here sorts by id alone.
    """
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    return UUID(int=(millis << 80) | _VERSION | ((rand >> 62) & _RAND_A_MASK) << 64 | _VARIANT | (rand & _RAND_B_MASK))
