import subprocess
import sys

import pluggy
import pytest

from prefect_core.errors import ConfigurationError
from prefect_core.hookspecs import hookimpl
from prefect_core.plugins import LazyStorageBackend, make_plugin_manager, select_storage_backend, storage_backends
from prefect_core.settings import Settings
from prefect_storage_sqlite.backend import SqliteBackend


def test_installed_backends_are_found_through_entry_points() -> None:
    backends = storage_backends(make_plugin_manager())
    assert {"sqlite", "postgres"} <= set(backends)


def test_unknown_backend_lists_installed_ones() -> None:
    with pytest.raises(ConfigurationError) as err:
        select_storage_backend(make_plugin_manager(), Settings(database_backend="oracle"))
    assert "oracle" in str(err.value) and "sqlite" in str(err.value) and "postgres" in str(err.value)


@pytest.mark.parametrize("name", ["sqlite", "SQLite3"])
def test_aliases_come_from_the_backend(name: str) -> None:
    env = {"PREFECT_DATABASE_BACKEND": name, "PREFECT_SQLITE_BUSY_TIMEOUT_MS": "1234"}
    backend = select_storage_backend(make_plugin_manager(), Settings.from_env(env))
    assert isinstance(backend, SqliteBackend) and backend.settings.busy_timeout_ms == 1234


def test_a_name_claimed_twice_is_an_error() -> None:
    class Impostor:
        scheme = "not-sqlite"
        aliases = ("sqlite3",)

    class Plugin:
        @hookimpl
        def prefect_server_storage_backend(self) -> type[Impostor]:
            return Impostor

    pm = make_plugin_manager(plugins=[Plugin()])
    with pytest.raises(ConfigurationError, match="'sqlite3'"):
        select_storage_backend(pm, Settings())


def test_misspelt_hookimpl_fails_loudly() -> None:
    class Bad:
        @hookimpl
        def prefect_server_storage_backnd(self):  # deliberately misspelt
            return None

    with pytest.raises(pluggy.PluginValidationError, match="prefect_server_storage_backnd"):
        make_plugin_manager(load_entrypoints=False, plugins=[Bad()])


def test_lazy_factories_name_what_their_backend_classes_declare() -> None:
    # The plugins announce scheme and aliases without importing their backends; those must
    # stay the classes' own.
    for factory in storage_backends(make_plugin_manager()).values():
        if isinstance(factory, LazyStorageBackend):
            cls = factory.load()
            assert (factory.scheme, factory.aliases) == (cls.scheme, tuple(cls.aliases))


def test_choosing_sqlite_does_not_import_the_postgres_driver() -> None:
    # In a fresh interpreter: the plugin manager and a SQLite backend, and no asyncpg.
    code = (
        "import sys\n"
        "from prefect_core.plugins import make_plugin_manager, select_storage_backend\n"
        "from prefect_core.settings import Settings\n"
        "select_storage_backend(make_plugin_manager(), Settings(database_backend='sqlite'))\n"
        "print(sorted(m for m in ('asyncpg', 'prefect_storage_postgres.backend') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
