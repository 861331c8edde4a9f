"""Stored automations, the resources they relate to, and their triggers' state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.automations import Automation, AutomationSort
from prefect_core.schemas.filters.automations import AutomationFilter


@dataclass
class Bucket:
    """What an event trigger has counted for one group of label values in one window."""

    automation_id: UUID
    trigger_id: UUID
    bucketing_key: list[str]
    start: dt.datetime
    end: dt.datetime
    count: int
    last_event: dict[str, Any] | None = None


class AutomationRepository(Protocol):
    """Automations and the resources they are related to (an owner among them)."""

    async def create(self, automation: Automation) -> Automation:
        """Store a new automation (its id, created and updated stamped as given or now)."""
        ...

    async def get(self, automation_id: UUID) -> Automation | None: ...

    async def replace(self, automation: Automation) -> bool:
        """Overwrite every field of a stored automation; False when there is none."""
        ...

    async def set_enabled(self, automation_id: UUID, enabled: bool) -> bool: ...

    async def delete(self, automation_id: UUID) -> bool:
        """Delete an automation with its related resources and trigger state."""
        ...

    async def filter(
        self, flt: AutomationFilter | None, sort: AutomationSort, offset: int, limit: int | None
    ) -> list[Automation]: ...

    async def count(self, flt: AutomationFilter | None) -> int: ...

    async def lock(self, automation_ids: Sequence[UUID]) -> set[UUID]:
        """Hold these automations for the rest of the transaction (in id order, so two
        writers never deadlock), where the backend lets writers run side by side: their
        trigger state is then changed by one transaction at a time. Returns those that
        still exist (another process may have deleted one since it was read)."""
        ...

    async def enabled(self) -> list[Automation]:
        """Every enabled automation (what the triggers evaluate)."""
        ...

    async def relate(self, automation_id: UUID, resource_id: str, owned: bool) -> None:
        """Record that the automation concerns `resource_id` (and whether that resource owns it)."""
        ...

    async def related_to(self, resource_id: str) -> list[Automation]:
        """Automations related to `resource_id`, owned or not."""
        ...

    async def delete_owned_by(self, resource_id: str, created_before: dt.datetime) -> int:
        """Delete the automations `resource_id` owns that were created before the instant; how many."""
        ...


class AutomationBucketRepository(Protocol):
    """Event-trigger counting windows, kept in the database so a restart loses no count."""

    async def get(self, automation_id: UUID, trigger_id: UUID, key: Sequence[str], *, lock: bool) -> Bucket | None:
        """The open bucket for one group (locked for the transaction when `lock`)."""
        ...

    async def put(self, bucket: Bucket) -> None:
        """Insert or overwrite the bucket of its (automation, trigger, key)."""
        ...

    async def remove(self, automation_id: UUID, trigger_id: UUID, key: Sequence[str]) -> None: ...

    async def ending_before(self, instant: dt.datetime, limit: int, trigger_ids: Sequence[UUID]) -> list[Bucket]:
        """Buckets of these triggers whose window closed by `instant` (what proactive triggers look at)."""
        ...

    async def sweep(self, ended_before: dt.datetime, keep_trigger_ids: Sequence[UUID]) -> int:
        """Delete buckets whose window closed before the instant, except those of the given
        (proactive) triggers: a closed reactive window counts nothing any more."""
        ...

    async def for_automation(self, automation_id: UUID) -> list[Bucket]: ...

    async def delete_for_trigger_ids(self, automation_id: UUID, keep: Sequence[UUID]) -> None:
        """Delete an automation's buckets of triggers not in `keep` (after the automation changed)."""
        ...

    # Child firings of composite triggers.
    async def put_child_firing(
        self, automation_id: UUID, parent_id: UUID, child_id: UUID, fired: dt.datetime, firing: dict[str, Any]
    ) -> None:
        """Record that a child fired (replacing its previous firing)."""
        ...

    async def child_firings(self, automation_id: UUID, parent_id: UUID, *, lock: bool) -> list[dict[str, Any]]:
        """The recorded firings of a composite trigger's children, oldest first."""
        ...

    async def clear_child_firings(self, automation_id: UUID, parent_id: UUID, before: dt.datetime | None = None) -> int:
        """Delete a composite trigger's child firings (only those older than `before`, when given)."""
        ...
