"""Automation use cases: create, replace, enable/disable, delete, query.

Every change tells the triggers (`on_change`) so the automations they evaluate are
current, and emits the reference's lifecycle event (`prefect.automation.created`,
`.updated`, `.deleted`).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.automation_actions import RunDeployment
from prefect_core.schemas.automations import (
    Automation,
    AutomationCreate,
    AutomationFields,
    AutomationPartialUpdate,
    AutomationSort,
    AutomationUpdate,
)
from prefect_core.schemas.events import Event, Resource
from prefect_core.schemas.filters.automations import AutomationFilter
from prefect_core.services.events_sink import EventSink

NOT_FOUND = "Automation not found"


def _lifecycle_event(action: str, automation: Automation) -> Event:
    return Event(
        occurred=timeutil.now(),
        event=f"prefect.automation.{action}",
        resource=Resource(
            {"prefect.resource.id": f"prefect.automation.{automation.id}", "prefect.resource.name": automation.name}
        ),
        payload=automation.model_dump(mode="json"),
    )


async def _relate_deployments(uow: UnitOfWork, automation_id: UUID, fields: AutomationFields) -> None:
    """Relate the automation to each deployment its actions run (not as their owner)."""
    for action in fields.actions:
        if isinstance(action, RunDeployment) and action.source == "selected" and action.deployment_id:
            await uow.automations.relate(automation_id, f"prefect.deployment.{action.deployment_id}", owned=False)


class AutomationService:
    def __init__(self, storage: Storage, events: EventSink) -> None:
        self.storage = storage
        self.events = events
        #: Called after each committed change (the triggers reload what they evaluate).
        self.on_change: list[Callable[[], None]] = []

    def _changed(self) -> None:
        for callback in self.on_change:
            callback()

    async def create(self, body: AutomationCreate) -> Automation:
        body.trigger.reset_ids()
        automation = Automation.model_validate(body.model_dump(exclude={"owner_resource"}))
        async with self.storage.write() as uow:
            stored = await uow.automations.create(automation)
            await _relate_deployments(uow, stored.id, stored)
            if body.owner_resource:
                await uow.automations.relate(stored.id, body.owner_resource, owned=True)
        self._changed()
        await self.events.emit([_lifecycle_event("created", stored)])
        return stored

    async def read(self, automation_id: UUID) -> Automation:
        async with self.storage.read() as uow:
            automation = await uow.automations.get(automation_id)
        if automation is None:
            raise NotFound(NOT_FOUND)
        return automation

    async def replace(self, automation_id: UUID, body: AutomationUpdate) -> None:
        body.trigger.reset_ids()
        async with self.storage.write() as uow:
            current = await uow.automations.get(automation_id)
            if current is None:
                raise NotFound(NOT_FOUND)
            updated = Automation.model_validate(
                {**body.model_dump(), "id": automation_id, "created": current.created, "updated": timeutil.now()}
            )
            await uow.automations.replace(updated)
            # New trigger ids: the counts kept for the old triggers no longer apply.
            await uow.automation_buckets.delete_for_trigger_ids(automation_id, [t.id for t in updated.all_triggers()])
            await _relate_deployments(uow, automation_id, updated)
        self._changed()
        await self.events.emit([_lifecycle_event("updated", updated)])

    async def set_enabled(self, automation_id: UUID, body: AutomationPartialUpdate) -> None:
        async with self.storage.write() as uow:
            if not await uow.automations.set_enabled(automation_id, body.enabled):
                raise NotFound(NOT_FOUND)
            updated = await uow.automations.get(automation_id)
        self._changed()
        if updated is not None:
            await self.events.emit([_lifecycle_event("updated", updated)])

    async def delete(self, automation_id: UUID) -> None:
        async with self.storage.write() as uow:
            current = await uow.automations.get(automation_id)
            if current is None or not await uow.automations.delete(automation_id):
                raise NotFound(NOT_FOUND)
        self._changed()
        await self.events.emit([_lifecycle_event("deleted", current)])

    async def filter(
        self, flt: AutomationFilter | None, sort: AutomationSort, offset: int, limit: int | None
    ) -> list[Automation]:
        async with self.storage.read() as uow:
            return await uow.automations.filter(flt, sort, offset, limit)

    async def count(self, flt: AutomationFilter | None) -> int:
        async with self.storage.read() as uow:
            return await uow.automations.count(flt)

    async def related_to(self, resource_id: str) -> list[Automation]:
        async with self.storage.read() as uow:
            return await uow.automations.related_to(resource_id)

    async def delete_owned_by(self, resource_id: str) -> int:
        """Delete what `resource_id` owns (created before now: not what is being created meanwhile)."""
        async with self.storage.write() as uow:
            deleted = await uow.automations.delete_owned_by(resource_id, timeutil.now())
        if deleted:
            self._changed()
        return deleted
