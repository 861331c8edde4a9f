"""Choosing the event broker from configuration.

The in-memory broker is built in under the name `memory`; plugins add others
(e.g. `redis`) through the `prefect_server_event_broker` hook.
PREFECT_BROKER_BACKEND names the one to use.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from prefect_core.errors import ConfigurationError
from prefect_core.events.memory_broker import MemoryBroker
from prefect_core.ports import EventBroker
from prefect_core.settings import Settings


def event_brokers(pm: pluggy.PluginManager | None) -> dict[str, type[EventBroker]]:
    """Every available broker class, by name (the built-in `memory` first)."""
    found: dict[str, type[EventBroker]] = {MemoryBroker.name: MemoryBroker}
    if pm is not None:
        for result in pm.hook.prefect_server_event_broker():
            if result is not None:
                name, broker_class = result
                found[name] = broker_class
    return found


def make_event_broker(pm: pluggy.PluginManager | None, settings: Settings) -> EventBroker:
    """Build the broker PREFECT_BROKER_BACKEND names; a clear error when it is unknown.

    A broker class may offer `from_settings(settings)` (e.g. to read a Redis URL);
    otherwise it is built with no arguments.
    """
    brokers = event_brokers(pm)
    wanted = settings.broker_backend.lower()
    if wanted not in brokers:
        installed = ", ".join(sorted(brokers))
        raise ConfigurationError(f"unknown event broker {settings.broker_backend!r}; installed brokers: {installed}")
    broker_class = brokers[wanted]
    factory: Callable[[Settings], EventBroker] | None = getattr(broker_class, "from_settings", None)
    return factory(settings) if factory is not None else broker_class()
