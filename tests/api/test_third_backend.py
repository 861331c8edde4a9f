"""A storage backend registered from outside the project's packages serves the API.

`sqlite-alt` lives only in this file: a pluggy plugin whose backend declares its
own scheme, alias and settings (read from the environment by its own settings
class), reusing the SQLite plugin's way of opening a file with one extra pragma.
Nothing in `prefect_core` knows of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from pydantic import Field

from prefect_core.errors import ConfigurationError
from prefect_core.hookspecs import hookimpl
from prefect_core.plugins import make_plugin_manager
from prefect_core.settings import EnvironSettings, Settings
from prefect_http.app import create_app
from prefect_storage_sql.storage import SqlStorage
from prefect_storage_sqlite.backend import open_sqlite
from prefect_storage_sqlite.settings import SqliteSettings

SERVICES_OFF = {
    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
    for name in ("SCHEDULER", "LATE_RUNS", "FOREMAN", "CANCELLATION_CLEANUP", "PAUSE_EXPIRATIONS")
}


class AltSettings(EnvironSettings):
    path: Path = Field(validation_alias="PREFECT_SQLITE_ALT_PATH")  # required: no default
    #: Written into the file's header, so the test can see the setting took effect.
    application_id: int = Field(default=0, ge=0, le=2**31 - 1, validation_alias="PREFECT_SQLITE_ALT_APPLICATION_ID")


class AltBackend:
    scheme = "sqlite-alt"
    aliases = ("sqlitealt",)

    def __init__(self, settings: AltSettings) -> None:
        self.settings = settings

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> AltBackend:
        return cls(AltSettings.from_env(environ))

    def open(self) -> AbstractAsyncContextManager[SqlStorage]:
        pragmas = [*SqliteSettings().pragmas(), f"PRAGMA application_id = {self.settings.application_id}"]
        description = {"backend": self.scheme, "application_id": self.settings.application_id}
        return open_sqlite(self.settings.path, pragmas, description)


class AltPlugin:
    @hookimpl
    def prefect_server_storage_backend(self) -> type[AltBackend]:
        return AltBackend


def _settings(**variables: str) -> Settings:
    return Settings.from_env({**SERVICES_OFF, **variables})


@pytest.mark.parametrize("name", ["sqlite-alt", "SQLITEALT"])
async def test_requests_are_served_through_a_backend_registered_by_the_tests(
    aiohttp_client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)  # where the built-in SQLite backend would put prefect.db
    path = tmp_path / "alt" / "server.db"
    settings = _settings(
        PREFECT_DATABASE_BACKEND=name, PREFECT_SQLITE_ALT_PATH=str(path), PREFECT_SQLITE_ALT_APPLICATION_ID="4242"
    )
    client = await aiohttp_client(create_app(settings, plugin_manager=make_plugin_manager(plugins=[AltPlugin()])))

    created = await client.post("/api/flows/", json={"name": "through-alt"})
    assert created.status == 201, await created.text()
    flow = await created.json()
    read = await client.get(f"/api/flows/{flow['id']}")
    assert read.status == 200 and (await read.json())["name"] == "through-alt"
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    moved = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "RUNNING"}})
    assert (await moved.json())["status"] == "ACCEPT"
    assert (await (await client.get(f"/api/flow_runs/{run['id']}")).json())["state_type"] == "RUNNING"
    shown = (await (await client.get("/api/admin/settings")).json())["server"]["database"]
    assert shown == {"backend": "sqlite-alt", "application_id": 4242}
    await client.close()

    # The backend's own setting reached the database, and the data is in its file only.
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone() == (4242,)
        assert db.execute("SELECT name FROM flow").fetchall() == [("through-alt",)]
    assert not (tmp_path / "prefect.db").exists()


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"PREFECT_SQLITE_ALT_APPLICATION_ID": "x"}, "invalid PREFECT_SQLITE_ALT_APPLICATION_ID='x'"),
        ({"PREFECT_SQLITE_ALT_APPLICATION_ID": "-1"}, "invalid PREFECT_SQLITE_ALT_APPLICATION_ID='-1'"),
        ({}, "invalid PREFECT_SQLITE_ALT_PATH: Field required"),
    ],
)
def test_its_settings_are_validated_at_start_up(tmp_path: Path, variables: dict[str, str], message: str) -> None:
    env = {"PREFECT_DATABASE_BACKEND": "sqlite-alt", "PREFECT_SQLITE_ALT_PATH": str(tmp_path / "a.db"), **variables}
    if not variables:
        del env["PREFECT_SQLITE_ALT_PATH"]
    with pytest.raises(ConfigurationError) as err:
        create_app(_settings(**env), plugin_manager=make_plugin_manager(plugins=[AltPlugin()]))
    assert message in str(err.value)
    assert not list(tmp_path.iterdir())


def test_it_is_listed_among_the_installed_backends() -> None:
    with pytest.raises(ConfigurationError) as err:
        create_app(
            _settings(PREFECT_DATABASE_BACKEND="nope"), plugin_manager=make_plugin_manager(plugins=[AltPlugin()])
        )
    assert "installed backends: postgres, sqlite, sqlite-alt" in str(err.value)
