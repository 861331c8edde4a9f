"""Disposing a SQLite engine leaves no connection thread behind, even one still opening.

A connection thread that outlives its engine can finish a statement after the event loop
closed, and then fails in its thread ("Event loop is closed") instead of in the caller.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from prefect_storage_sqlite.engine import SqliteEngine
from tests.conftest import only_on

_on_sqlite = only_on("sqlite")


async def test_a_connection_still_opening_when_the_engine_is_disposed_is_closed(tmp_path: Path) -> None:
    opening = threading.Event()
    let_it_finish = threading.Event()
    threads: list[threading.Thread] = []

    def slow_set_up(db: sqlite3.Connection) -> None:  # runs in the new connection's thread
        threads.append(threading.current_thread())
        opening.set()
        let_it_finish.wait(10)

    engine = SqliteEngine(str(tmp_path / "dispose.db"), [], writer=False, connect_hooks=[slow_set_up])
    holder = asyncio.create_task(engine.hold())
    assert await asyncio.to_thread(opening.wait, 10)
    await engine.dispose()  # while the connection is still being set up
    let_it_finish.set()
    with pytest.raises(sa_exc.InterfaceError, match="closed"):
        await holder
    [thread] = threads
    await asyncio.to_thread(thread.join, 10)
    assert not thread.is_alive()


async def test_a_held_connection_is_closed_by_dispose_and_refuses_more(tmp_path: Path) -> None:
    engine = SqliteEngine(str(tmp_path / "dispose.db"), [], writer=True)
    conn = await engine.hold()
    await engine.dispose()
    assert conn.closed
    with pytest.raises(sa_exc.InterfaceError, match="closed"):
        await engine.hold()
    await engine.give_back(conn)  # a holder giving it back afterwards is not an error
