"""The SQLite writer's WAL checkpoints run beside its commits, in a connection of their own.

Whether a row reached the database file itself (not only the write-ahead log) is read
through an `immutable` connection, which ignores the log: a row seen there was copied by
a checkpoint.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from prefect_core.schemas.flows import Flow
from prefect_storage_sqlite.backend import open_sqlite
from prefect_storage_sqlite.checkpoints import CHECKPOINT_EVERY, WRITER_AUTOCHECKPOINT_PAGES
from prefect_storage_sqlite.engine import SqliteEngine
from prefect_storage_sqlite.settings import SqliteSettings
from tests.conftest import only_on

_on_sqlite = only_on("sqlite")


def _flows_in_database_file(path: Path) -> int:
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM flow").fetchone()[0])
    finally:
        db.close()


async def _settled(engine: SqliteEngine) -> None:
    assert engine.checkpoints is not None
    for _ in range(500):
        if engine.checkpoints._task is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the background checkpoint did not finish")


async def test_checkpoints_run_in_their_own_thread_and_copy_the_log(tmp_path: Path) -> None:
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "ckpt.db")
    threads: list[int] = []

    def hook(db: sqlite3.Connection) -> None:
        threads.append(threading.get_ident())

    async with open_sqlite(settings.path, settings.pragmas(), connect_hooks=[hook]) as storage:
        writer = storage.write_engine
        assert isinstance(writer, SqliteEngine) and writer.checkpoints is not None
        async with storage.write() as uow:
            pages = await uow.conn.run_sync(lambda c: c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())
        assert pages == WRITER_AUTOCHECKPOINT_PAGES  # the writer's own is only a backstop
        # One flow per transaction: far fewer pages than the writer's backstop, so only the
        # background checkpoint can have copied them into the database file.
        for i in range(CHECKPOINT_EVERY):
            async with storage.write() as uow:
                await uow.flows.get_or_create(Flow(name=f"ckpt-{i}"))
        await _settled(writer)
        assert writer.checkpoints.completed == 1
        # It ran after the 100th commit (the pragma's read was the first).
        assert _flows_in_database_file(settings.path) >= CHECKPOINT_EVERY - 1
        # On a connection of its own, opened in a thread of its own (the writer is the other).
        assert len(set(threads)) == len(threads) == 2
        async with storage.write() as uow:  # the writer writes on after a checkpoint
            await uow.flows.get_or_create(Flow(name="after"))
    assert _flows_in_database_file(settings.path) == CHECKPOINT_EVERY + 1  # closing checkpoints the rest


async def test_an_in_memory_database_has_no_checkpointer(tmp_path: Path) -> None:
    engine = SqliteEngine(":memory:", [], writer=True)
    try:
        assert engine.checkpoints is None
    finally:
        await engine.dispose()
