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
    from prefect_core.ports import EventBroker, StorageBackend


@hookspec
def prefect_server_storage_backend() -> "type[StorageBackend] | StorageBackend":
    """Return a storage backend (class or instance) with a `scheme` attribute.

    Called on every plugin (not firstresult); the core indexes the results by
    `scheme` and opens the one PREFECT_DATABASE_BACKEND names.
    """


@hookspec
def prefect_server_event_broker() -> "tuple[str, type[EventBroker]] | None":
    """Return `(name, broker class)` for an event broker, or None.

    Called on every plugin (not firstresult); the core picks the broker that
    PREFECT_BROKER_BACKEND names. The in-memory broker is built in as `memory`.
    """
