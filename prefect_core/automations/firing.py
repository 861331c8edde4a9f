"""Firings (one trigger firing once) and the counting step of event triggers.

`step` is the reference's bucket algorithm as a pure function: given an event
trigger, its open bucket, the time and (for reactive evaluation) the event, it
returns the bucket to keep (None: delete it) and whether the trigger fired. There is
exactly one bucket per trigger and group of `for_each` label values; a reactive
trigger fires as soon as its count reaches the threshold, then waits out its window;
a proactive one fires only when its window closed with fewer events than the threshold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from pydantic import Field

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.ports.automations import Bucket
from prefect_core.schemas.automations import EventTrigger, Posture
from prefect_core.schemas.base import DateTime, PrefectModel
from prefect_core.schemas.events import Event

#: How far back a trigger's first bucket starts, so events arriving slightly out of order count.
PRECEDING_EVENT_LOOKBACK = dt.timedelta(minutes=15)


class Firing(PrefectModel):
    """One trigger firing once: when, for which labels, because of which event (or child firings)."""

    id: UUID = Field(default_factory=uuid7)
    trigger_id: UUID
    triggered: DateTime = Field(default_factory=timeutil.now)
    triggering_labels: dict[str, str] = Field(default_factory=dict)
    triggering_event: Event | None = None
    triggering_firings: list[Firing] = Field(default_factory=list)


@dataclass(frozen=True)
class StepResult:
    bucket: Bucket | None
    fired: bool = False
    #: The event the firing is about (the triggering one, or the bucket's last).
    firing_event: dict[str, Any] | None = None


def step(trigger: EventTrigger, bucket: Bucket, now: dt.datetime, event: Event | None) -> StepResult:
    """Count `event` (if any) in `bucket` at time `now`; see the module docstring."""
    count = 1 if event is not None else 0
    event_json = event.model_dump(mode="json") if event is not None else None
    if now < bucket.start:
        # Too old for the open window (or a trigger that already fired for it): ignore.
        return StepResult(bucket)
    if count and (trigger.immediate or bucket.start <= now < bucket.end):
        bucket = replace(bucket, count=bucket.count + count, last_event=event_json)
        count = 0
    reactive = trigger.posture is Posture.Reactive
    meets = trigger.meets_threshold(bucket.count)
    fired = False
    firing_event = None
    if (reactive or bucket.end <= now) and meets:
        fired, firing_event = True, event_json or bucket.last_event
    elif now < bucket.end:
        if (
            event is not None
            and not reactive
            and not meets
            and trigger.starts_after(event.event)
            and trigger.expects(event.event)
        ):
            # A proactive trigger whose `after` and `expect` share this event (a heartbeat):
            # the window starts again from it.
            return StepResult(
                replace(
                    bucket, start=event.occurred, end=event.occurred + trigger.within, count=0, last_event=event_json
                )
            )
        return StepResult(bucket)
    # The window is over (or the trigger fired): open the next one, unless an `after` event must start it.
    if trigger.after or trigger.within == dt.timedelta(0):
        return StepResult(None, fired, firing_event)
    start = max(bucket.end, now)
    following = replace(
        bucket, start=start, end=start + trigger.within, count=0 if reactive else count, last_event=None
    )
    if reactive and count > 0:
        # The event belongs to the next window: count it there (it may fire that one too).
        again = step(trigger, following, now, event)
        return StepResult(again.bucket, fired or again.fired, again.firing_event or firing_event)
    return StepResult(following, fired, firing_event)


def opening_bucket(trigger: EventTrigger, automation_id: UUID, key: list[str], event: Event) -> Bucket | None:
    """The bucket an event opens when its group has none: an `after` event opens one at
    the event (counting from -1 when it is also expected, so it does not count itself);
    without `after`, an expected event opens one reaching back `PRECEDING_EVENT_LOOKBACK`."""
    if trigger.after and trigger.starts_after(event.event):
        return Bucket(
            automation_id,
            trigger.id,
            key,
            event.occurred,
            event.occurred + trigger.within,
            -1 if trigger.expects(event.event) else 0,
            event.model_dump(mode="json"),
        )
    if not trigger.after and trigger.expects(event.event):
        return Bucket(
            automation_id,
            trigger.id,
            key,
            event.occurred - PRECEDING_EVENT_LOOKBACK,
            event.occurred + trigger.within,
            0,
            event.model_dump(mode="json"),
        )
    return None
