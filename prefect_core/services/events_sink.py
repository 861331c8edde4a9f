"""Where use cases send the events they cause (e.g. flow-run state changes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from prefect_core.schemas.events import Event


class EventSink(Protocol):
    """Accepts events for persistence and live subscribers; must not block for long."""

    async def emit(self, events: Sequence[Event]) -> None: ...


class DiscardingSink:
    """A sink that drops everything (tests of use cases that do not look at events)."""

    async def emit(self, events: Sequence[Event]) -> None:
        return None
