"""A lower CPU priority for the reader connections' threads (Linux: a per-thread nice value).

A reader thread runs its SQL with the GIL released, beside the event loop. On a server
given one core, a few long reads (a 7-day history, a deep page) are runnable threads that
the kernel shares the core with the loop thread evenly, so every request the loop serves
meanwhile (`GET /health`, a point read's parsing and response) waits its turn behind them.
With the readers' threads niced the loop thread, whenever it is runnable, is given the core
first; the readers run in the time it leaves (a read that is waiting for the GIL is not
runnable, so a niced thread holding the GIL still runs and gives it back).

A nice value can be raised, never lowered again, by an unprivileged process: the hook sets
it once, in the thread the connection lives in, for as long as the thread lives.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from prefect_storage_sqlite.threaded import ConnectHook


def lower_thread_priority(niceness: int) -> ConnectHook:
    """A connect hook that sets the calling thread's nice value to `niceness` (0 to 19).

    Where the platform has no per-thread priority (not Linux) or refuses the change, the
    thread keeps its priority: the reads are as correct, only less deferential."""

    def hook(_db: sqlite3.Connection) -> None:
        setpriority = getattr(os, "setpriority", None)
        if setpriority is None or not hasattr(threading, "get_native_id"):
            return
        try:
            # On Linux PRIO_PROCESS with a thread id sets that one thread's nice value.
            setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        except OSError:
            pass

    return hook
