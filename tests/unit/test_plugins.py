import pytest

from prefect_core.errors import ConfigurationError
from prefect_core.plugins import make_plugin_manager, select_storage_backend, storage_backends
from prefect_core.settings import Settings


def test_installed_backends_are_found_through_entry_points() -> None:
    backends = storage_backends(make_plugin_manager())
    assert {"sqlite", "postgres"} <= set(backends)


def test_unknown_backend_lists_installed_ones() -> None:
    with pytest.raises(ConfigurationError) as err:
        select_storage_backend(make_plugin_manager(), Settings(database_backend="oracle"))
    assert "oracle" in str(err.value) and "sqlite" in str(err.value)


def test_misspelt_hookimpl_fails_loudly() -> None:
    from prefect_core.hookspecs import hookimpl

    class Bad:
        @hookimpl
        def prefect_server_storage_backnd(self):  # noqa: D401 - deliberately misspelt
            return None

    with pytest.raises(Exception):
        make_plugin_manager(load_entrypoints=False, plugins=[Bad()])
