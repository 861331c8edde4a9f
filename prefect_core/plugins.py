"""Building the plugin manager and choosing backends from configuration."""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from prefect_core import hookspecs
from prefect_core.errors import ConfigurationError
from prefect_core.ports import StorageBackend
from prefect_core.settings import Settings


def make_plugin_manager(
    *, load_entrypoints: bool = True, plugins: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A fresh plugin manager with installed plugins (entry points) and any given ones."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)
    for plugin in plugins:
        if not pm.is_registered(plugin):
            pm.register(plugin)
    # A misspelt hookimpl should fail at start-up, not be silently ignored.
    pm.check_pending()
    return pm


def storage_backends(pm: pluggy.PluginManager) -> dict[str, StorageBackend]:
    """Every installed storage backend, by scheme."""
    found: dict[str, StorageBackend] = {}
    for backend in pm.hook.prefect_server_storage_backend():
        if backend is None:
            continue
        instance = backend() if isinstance(backend, type) else backend
        found[instance.scheme] = instance
    return found


def select_storage_backend(pm: pluggy.PluginManager, settings: Settings) -> StorageBackend:
    """The backend PREFECT_DATABASE_BACKEND names; a clear error if none is installed."""
    backends = storage_backends(pm)
    wanted = settings.database_backend.lower()
    aliases = {"postgresql": "postgres", "sqlite3": "sqlite"}
    wanted = aliases.get(wanted, wanted)
    if wanted not in backends:
        installed = ", ".join(sorted(backends)) or "none"
        raise ConfigurationError(
            f"unknown database backend {settings.database_backend!r}; installed backends: {installed}"
        )
    return backends[wanted]
