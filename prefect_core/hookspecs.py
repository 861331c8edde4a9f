"""Hook specifications: how plugins extend the server.

Plugins are modules listed under the `prefect_server` entry-point group; each
holds `@hookimpl` functions. Hooks are synchronous and return objects; all I/O
happens on those objects behind an explicit async lifecycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

#: The entry-point group and pluggy project name.
PROJECT_NAME = "prefect_server"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

if TYPE_CHECKING:
    from prefect_core.ports import EventBroker, StorageBackendFactory


@hookspec
def prefect_server_storage_backend() -> StorageBackendFactory | None:
    """Return a storage backend factory, usually the backend class (see
    `prefect_core.ports.StorageBackendFactory`), or None.

    Called on every plugin (not firstresult). The core indexes the results by
    their `scheme` and `aliases`, picks the one PREFECT_DATABASE_BACKEND names,
    and calls its `from_environ(environ)` with the variables the server was
    started with: the backend declares and validates its own settings (a
    `prefect_core.settings.EnvironSettings` subclass), so a backend with options
    of its own needs no edit to the core. Two backends claiming one name are a
    `ConfigurationError`.
    """


@hookspec
def prefect_server_event_broker() -> tuple[str, type[EventBroker]] | None:
    """Return `(name, broker class)` for an event broker, or None.

    Called on every plugin (not firstresult); the core picks the broker that
    PREFECT_BROKER_BACKEND names. The in-memory broker is built in as `memory`.
    """
