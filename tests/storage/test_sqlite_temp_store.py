"""Every SQLite connection keeps its temporary b-trees where PREFECT_SQLITE_TEMP_STORE says
(a file by default: in memory they stayed in the readers' malloc arenas after heavy reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prefect_core.errors import ConfigurationError
from prefect_storage_sqlite.backend import SqliteBackend
from prefect_storage_sqlite.settings import SqliteSettings
from tests.conftest import only_on

_on_sqlite = only_on("sqlite")

#: PRAGMA temp_store's answer for each setting.
CODES = {"DEFAULT": 0, "FILE": 1, "MEMORY": 2}


def _temp_store(conn: Any) -> int:
    return int(conn.exec_driver_sql("PRAGMA temp_store").scalar())


@pytest.mark.parametrize("env", [{}, {"PREFECT_SQLITE_TEMP_STORE": "MEMORY"}, {"PREFECT_SQLITE_TEMP_STORE": "DEFAULT"}])
async def test_readers_and_writer_use_the_configured_temp_store(tmp_path: Path, env: dict[str, str]) -> None:
    settings = SqliteSettings.from_env({"PREFECT_DATABASE_PATH": str(tmp_path / "temp.db"), **env})
    async with SqliteBackend(settings).open() as storage:
        async with storage.read() as uow:
            reader = await uow.conn.run_sync(_temp_store)
        async with storage.write() as uow:
            writer = await uow.conn.run_sync(_temp_store)
    expected = CODES[env.get("PREFECT_SQLITE_TEMP_STORE", "FILE")]
    assert reader == writer == expected


def test_an_unknown_temp_store_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError) as err:
        SqliteSettings.from_env({"PREFECT_SQLITE_TEMP_STORE": "RAM"})
    assert "PREFECT_SQLITE_TEMP_STORE" in str(err.value)
