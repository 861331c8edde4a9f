"""Building the plugin manager and choosing backends from configuration."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import Any

import pluggy

from prefect_core import hookspecs
from prefect_core.errors import ConfigurationError
from prefect_core.ports import StorageBackend, StorageBackendFactory
from prefect_core.settings import Settings


def make_plugin_manager(*, load_entrypoints: bool = True, plugins: Iterable[object] = ()) -> pluggy.PluginManager:
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


class LazyStorageBackend:
    """A backend factory that imports its backend only when that backend is chosen.

    Every installed plugin is loaded at start-up to learn the names it answers to; a plugin
    whose `plugin.py` imported its backend would make every server import every driver (a
    SQLite server would load asyncpg, SQLAlchemy's PostgreSQL dialect and more: ~0.35 s and
    ~8 MiB). A plugin returns one of these instead, naming its scheme, aliases and the
    backend class as ``"module:attribute"``.
    """

    def __init__(self, scheme: str, aliases: tuple[str, ...], target: str) -> None:
        self.scheme = scheme
        self.aliases = aliases
        self.target = target

    def load(self) -> Any:
        """The backend class (imports its module)."""
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def from_environ(self, environ: Mapping[str, str]) -> StorageBackend:
        """The backend configured from `environ`, as the class's own `from_environ` does."""
        backend: StorageBackend = self.load().from_environ(environ)
        return backend

    def __repr__(self) -> str:
        return f"LazyStorageBackend({self.scheme!r} -> {self.target})"


def storage_backends(pm: pluggy.PluginManager) -> dict[str, StorageBackendFactory]:
    """Every installed storage backend, by scheme."""
    found: dict[str, StorageBackendFactory] = {}
    for factory in pm.hook.prefect_server_storage_backend():
        if factory is None:
            continue
        other = found.setdefault(factory.scheme, factory)
        if other is not factory:
            raise ConfigurationError(
                f"two storage backends claim the scheme {factory.scheme!r}: {other!r}, {factory!r}"
            )
    return found


def _by_name(backends: dict[str, StorageBackendFactory]) -> dict[str, StorageBackendFactory]:
    """Schemes and aliases, lower-cased, to their backend; a name claimed twice is an error."""
    names: dict[str, StorageBackendFactory] = {}
    for factory in backends.values():
        for name in (factory.scheme, *getattr(factory, "aliases", ())):
            other = names.setdefault(name.lower(), factory)
            if other is not factory:
                raise ConfigurationError(
                    f"storage backends {other.scheme!r} and {factory.scheme!r} both claim the name {name!r}"
                )
    return names


def select_storage_backend(pm: pluggy.PluginManager, settings: Settings) -> StorageBackend:
    """The backend PREFECT_DATABASE_BACKEND names (a scheme or an alias), configured from
    `settings.environ` by the backend itself; a clear error if none is installed."""
    backends = storage_backends(pm)
    factory = _by_name(backends).get(settings.database_backend.lower())
    if factory is None:
        installed = ", ".join(sorted(backends)) or "none"
        raise ConfigurationError(
            f"unknown database backend {settings.database_backend!r}; installed backends: {installed}"
        )
    return factory.from_environ(settings.environ)
