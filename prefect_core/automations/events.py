"""The events automations emit, with the reference's resources and related resources:
`prefect.automation.triggered` / `.resolved` when a trigger changes state, and
`prefect.automation.action.triggered` then `.executed` or `.failed` for each action."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.automations.firing import Firing
from prefect_core.ids import uuid7
from prefect_core.schemas.automations import Automation, EventTrigger
from prefect_core.schemas.events import Event, RelatedResource, Resource

#: A follow-up event names the event it follows only when they are this close in time.
TIGHT_TIMING = dt.timedelta(minutes=5)


def state_change_event(automation: Automation, firing: Firing, state: str = "triggered") -> Event:
    """`prefect.automation.triggered` (or `.resolved`) for a top-level firing."""
    labels = {"prefect.resource.id": f"prefect.automation.{automation.id}", "prefect.resource.name": automation.name}
    if isinstance(automation.trigger, EventTrigger):
        labels["prefect.posture"] = automation.trigger.posture.value
    event = firing.triggering_event
    related = (
        [
            RelatedResource(
                {"prefect.resource.id": f"prefect.event.{event.id}", "prefect.resource.role": "triggering-event"}
            )
        ]
        if event
        else []
    )
    return Event(
        occurred=firing.triggered,
        event=f"prefect.automation.{state}",
        resource=Resource(labels),
        related=related,
        payload={
            "triggering_labels": firing.triggering_labels,
            "triggering_event": event.model_dump(mode="json") if event else None,
        },
    )


def _action_resource(automation: Automation) -> Resource:
    labels = {
        "prefect.resource.id": f"prefect.automation.{automation.id}",
        "prefect.resource.name": automation.name,
        "prefect.trigger-type": automation.trigger.type,
    }
    if isinstance(automation.trigger, EventTrigger):
        labels["prefect.posture"] = automation.trigger.posture.value
    return Resource(labels)


def action_events(
    automation: Automation,
    *,
    action_type: str,
    action_index: int,
    invocation: UUID,
    triggered: dt.datetime,
    triggering_event: Event | None,
    state_change_event_id: UUID | None,
    outcome: str,
    details: dict[str, Any],
    resulting: list[RelatedResource],
    reason: str | None = None,
) -> list[Event]:
    """`prefect.automation.action.triggered` and then `.executed` or `.failed` (`outcome`)."""
    resource = _action_resource(automation)
    related = list(resulting)
    if state_change_event_id is not None:
        related.append(
            RelatedResource(
                {
                    "prefect.resource.id": f"prefect.event.{state_change_event_id}",
                    "prefect.resource.role": "automation-triggered-event",
                }
            )
        )
    if triggering_event is not None:
        related.append(
            RelatedResource(
                {
                    "prefect.resource.id": f"prefect.event.{triggering_event.id}",
                    "prefect.resource.role": "triggering-event",
                }
            )
        )
    base = {"action_index": action_index, "action_type": action_type, "invocation": str(invocation)}
    follows = None
    if triggering_event is not None and abs(triggered - triggering_event.occurred) < TIGHT_TIMING:
        follows = triggering_event.id
    first = Event(
        id=uuid7(),
        occurred=triggered,
        event="prefect.automation.action.triggered",
        resource=resource,
        related=related,
        payload=base,
        follows=follows,
    )
    payload = {**base, **({"reason": reason} if reason is not None else {}), **details}
    second = Event(
        occurred=timeutil.now(),
        event=f"prefect.automation.action.{outcome}",
        resource=resource,
        related=related,
        payload=payload,
        follows=first.id,
    )
    return [first, second]
