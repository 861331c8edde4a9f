"""Evaluating automations' triggers against stored events and the clock.

Reactive evaluation runs inside the unit of work that stores the events (the event
pipeline calls `evaluate_events`), so an event is counted exactly when it is stored:
once, and never again after a restart, because the buckets are rows written in that
same transaction. Proactive evaluation (`evaluate_proactive`) runs on a clock over
buckets whose window has closed. Both return the firings of top-level triggers; what
they lead to (events, actions) is the caller's to do after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from prefect_core import timeutil
from prefect_core.automations.firing import Firing, opening_bucket, step
from prefect_core.automations.ordering import CausalOrdering
from prefect_core.ports import UnitOfWork
from prefect_core.ports.automations import Bucket
from prefect_core.schemas.automations import (
    Automation,
    CompositeTrigger,
    CompoundTrigger,
    EventTrigger,
    Posture,
    SequenceTrigger,
)
from prefect_core.schemas.events import Event

log = logging.getLogger(__name__)

#: Automations are reread at least this often (another server process may have changed them).
RELOAD_SECONDS = 10.0
#: Buckets looked at per proactive pass.
PROACTIVE_BATCH = 500
#: Closed reactive windows are deleted this long after they closed (an event that late is ignored anyway).
EXPIRED_BUCKET_BUFFER = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class AutomationFiring:
    """An automation's top-level trigger fired: the automation acts on it."""

    automation: Automation
    firing: Firing


class TriggerEvaluator:
    """Holds the enabled automations (reloaded when told they changed) and evaluates them."""

    def __init__(self, ordering: CausalOrdering | None = None) -> None:
        self._automations: list[Automation] | None = None
        self._loaded_at = 0.0
        self.ordering = ordering or CausalOrdering()

    def invalidate(self) -> None:
        """Automations changed: reread them before the next evaluation."""
        self._automations = None

    async def automations(self, uow: UnitOfWork) -> list[Automation]:
        if self._automations is None or time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            self._automations = await uow.automations.enabled()
            self._loaded_at = time.monotonic()
        return self._automations

    async def evaluate_events(self, uow: UnitOfWork, events: Sequence[Event]) -> list[AutomationFiring]:
        """Count each event (in the order they occurred, a follower after the event it
        follows) for every trigger that covers it."""
        automations = await self.automations(uow)
        if not automations:
            return []
        triggers = [t for a in automations for t in a.event_triggers()]
        ordered = await self.ordering.arrange(uow, events, lambda e: any(t.covers(e) for t in triggers), timeutil.now())
        return await self._count(uow, automations, ordered)

    async def _count(
        self, uow: UnitOfWork, automations: list[Automation], ordered: list[Event]
    ) -> list[AutomationFiring]:
        work = [
            (event, automation, trigger)
            for event in ordered
            for automation in automations
            for trigger in automation.event_triggers()
            if trigger.covers(event)
        ]
        if not work:
            return []
        # Another server process may be counting for the same automations: take them first, in one order.
        present = await uow.automations.lock([automation.id for _, automation, _ in work])
        if len(present) < len({automation.id for _, automation, _ in work}):
            self.invalidate()  # deleted by another process since it was read
        fired: list[AutomationFiring] = []
        for event, automation, trigger in work:
            if automation.id in present:
                await self._on_event(uow, automation, trigger, event, fired)
        return fired

    async def _on_event(
        self, uow: UnitOfWork, automation: Automation, trigger: EventTrigger, event: Event, out: list[AutomationFiring]
    ) -> None:
        key = trigger.bucketing_key(event)
        bucket = await uow.automation_buckets.get(automation.id, trigger.id, key, lock=True)
        if bucket is None:
            bucket = opening_bucket(trigger, automation.id, key, event)
            if bucket is None:
                return
        elif trigger.after and trigger.starts_after(event.event):
            bucket = replace(bucket, last_event=event.model_dump(mode="json"))
        if not trigger.expects(event.event):
            await uow.automation_buckets.put(bucket)
            return
        await self._step(uow, automation, trigger, bucket, event.occurred, event, out)

    async def _step(
        self,
        uow: UnitOfWork,
        automation: Automation,
        trigger: EventTrigger,
        bucket: Bucket,
        now: dt.datetime,
        event: Event | None,
        out: list[AutomationFiring],
    ) -> Bucket | None:
        result = step(trigger, bucket, now, event)
        # One row per (automation, trigger, key): the next window overwrites the last.
        if result.bucket is None:
            await uow.automation_buckets.remove(automation.id, trigger.id, bucket.bucketing_key)
        else:
            await uow.automation_buckets.put(result.bucket)
        if result.fired:
            firing = Firing(
                trigger_id=trigger.id,
                triggering_labels=dict(zip(sorted(trigger.for_each), bucket.bucketing_key, strict=False)),
                triggering_event=Event.model_validate(result.firing_event) if result.firing_event else None,
            )
            await self._fire(uow, automation, firing, out)
        return result.bucket

    async def _fire(self, uow: UnitOfWork, automation: Automation, firing: Firing, out: list[AutomationFiring]) -> None:
        parent = automation.parent_of(firing.trigger_id)
        if parent is None:
            out.append(AutomationFiring(automation, firing))
            return
        if parent.num_expected_firings == 1:
            await self._fire(uow, automation, _parent_firing(parent, [firing], firing), out)
            return
        buckets = uow.automation_buckets
        await buckets.child_firings(automation.id, parent.id, lock=True)  # serialise concurrent children
        if parent.within is not None:
            await buckets.clear_child_firings(automation.id, parent.id, before=firing.triggered - parent.within)
        await buckets.put_child_firing(
            automation.id, parent.id, firing.trigger_id, firing.triggered, firing.model_dump(mode="json")
        )
        firings = [Firing.model_validate(f) for f in await buckets.child_firings(automation.id, parent.id, lock=True)]
        if _ready(parent, firings):
            await buckets.clear_child_firings(automation.id, parent.id)
            await self._fire(uow, automation, _parent_firing(parent, firings, firing), out)

    async def evaluate_proactive(self, uow: UnitOfWork, now: dt.datetime | None = None) -> list[AutomationFiring]:
        """Evaluate the proactive triggers at `now`: open a window for those that have
        none (no `for_each`, no `after`), and close those whose window has ended."""
        now = now or timeutil.now()
        by_id: dict[UUID, tuple[Automation, EventTrigger]] = {}
        automations = await self.automations(uow)
        if not automations:
            return []
        # Held followers whose leader has been stored since, or that waited long enough.
        fired = await self._count(uow, automations, await self.ordering.release_due(uow))
        proactive = [a.id for a in automations if any(t.posture is Posture.Proactive for t in a.event_triggers())]
        proactive_triggers = [t.id for a in automations for t in a.event_triggers() if t.posture is Posture.Proactive]
        await uow.automation_buckets.sweep(now - EXPIRED_BUCKET_BUFFER, proactive_triggers)
        if not proactive:
            return fired
        present = await uow.automations.lock(proactive)
        for automation in automations:
            if automation.id not in present:
                continue
            for trigger in automation.event_triggers():
                if trigger.posture is not Posture.Proactive:
                    continue
                by_id[trigger.id] = (automation, trigger)
                if not trigger.for_each and not trigger.after:
                    if await uow.automation_buckets.get(automation.id, trigger.id, [], lock=True) is None:
                        await uow.automation_buckets.put(
                            Bucket(automation.id, trigger.id, [], now, now + trigger.within, 0)
                        )
        for bucket in await uow.automation_buckets.ending_before(now, PROACTIVE_BATCH, list(by_id)):
            found = by_id.get(bucket.trigger_id)
            if found is None or found[0].id != bucket.automation_id:
                continue
            automation, trigger = found
            locked = await uow.automation_buckets.get(automation.id, trigger.id, bucket.bucketing_key, lock=True)
            if locked is not None:
                await self._step(uow, automation, trigger, locked, now, None, fired)
        return fired


def _ready(parent: CompositeTrigger, firings: list[Firing]) -> bool:
    if isinstance(parent, SequenceTrigger):
        order = [f.trigger_id for f in sorted(firings, key=lambda f: f.triggered)]
        return order == [t.id for t in parent.triggers]
    assert isinstance(parent, CompoundTrigger)
    return len(firings) >= parent.num_expected_firings


def _parent_firing(parent: CompositeTrigger, firings: list[Firing], latest: Firing) -> Firing:
    return Firing(trigger_id=parent.id, triggering_firings=firings, triggering_event=latest.triggering_event)
