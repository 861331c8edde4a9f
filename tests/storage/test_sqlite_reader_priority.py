"""The reader connections' threads run at the configured nice value, the writer's and the
event loop's at the process's own (prefect_storage_sqlite.thread_priority)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from prefect_storage_sqlite.backend import SqliteBackend
from prefect_storage_sqlite.settings import SqliteSettings
from tests.conftest import only_on

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


_on_sqlite = only_on("sqlite")


def _own_nice(_conn: object) -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.parametrize("reader_nice", [0, 7])
async def test_reader_threads_run_at_the_reader_nice_value(tmp_path: Path, reader_nice: int) -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    if own > reader_nice and reader_nice:
        pytest.skip("the test process already runs nicer than the value under test")
    settings = SqliteSettings(PREFECT_DATABASE_PATH=tmp_path / "nice.db", PREFECT_SQLITE_READER_NICE=reader_nice)
    async with SqliteBackend(settings).open() as storage:
        async with storage.read() as uow:
            reader = await uow.conn.run_sync(_own_nice)
        async with storage.write() as uow:
            writer = await uow.conn.run_sync(_own_nice)
    assert reader == (reader_nice or own)
    assert writer == own
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the loop's thread
