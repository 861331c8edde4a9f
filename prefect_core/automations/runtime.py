"""Automations at run time: reactive evaluation inside the event pipeline's write,
proactive evaluation on a clock, and acting on what fired.

A firing is acted upon after the transaction that recorded it commits: the runtime
emits `prefect.automation.triggered`, then runs the automation's actions (and its
`actions_on_trigger`) one by one, each announced by `prefect.automation.action.triggered`
and closed by `.executed` or `.failed`. A failing action is recorded and the next one runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from prefect_core import timeutil
from prefect_core.automations.action_base import ActionFailed, TriggeredAction
from prefect_core.automations.actions import ActionExecutor
from prefect_core.automations.events import action_events, state_change_event
from prefect_core.automations.triggers import AutomationFiring, TriggerEvaluator
from prefect_core.ports import UnitOfWork
from prefect_core.schemas.events import Event

if TYPE_CHECKING:
    from prefect_core.services.container import Services

log = logging.getLogger(__name__)

#: Firings waiting for their actions; beyond this, new ones are dropped (and logged).
MAX_PENDING = 10_000


class AutomationRuntime:
    def __init__(self, services: Services, *, reactive: bool = True) -> None:
        self.services = services
        self.reactive = reactive
        self.evaluator = TriggerEvaluator()
        self.executor = ActionExecutor(services)
        self._pending: asyncio.Queue[AutomationFiring] = asyncio.Queue()
        services.automations.on_change.append(self.evaluator.invalidate)

    @property
    def pending(self) -> int:
        return self._pending.qsize()

    def _enqueue(self, firings: Sequence[AutomationFiring]) -> None:
        for firing in firings:
            if self._pending.qsize() >= MAX_PENDING:
                log.error("automation %s fired but %d firings wait already: dropped", firing.automation.id, MAX_PENDING)
                continue
            self._pending.put_nowait(firing)

    async def observe(self, uow: UnitOfWork, events: Sequence[Event]) -> Callable[[], None] | None:
        """Event-pipeline observer: evaluate the events just stored, in their transaction;
        the returned callback (run after the commit) queues what fired."""
        if not self.reactive:
            return None
        try:
            firings = await self.evaluator.evaluate_events(uow, events)
        except Exception:
            self.evaluator.invalidate()  # reread the automations before trying again
            raise
        if not firings:
            return None
        return lambda: self._enqueue(firings)

    async def evaluate_proactive(self) -> int:
        """One proactive pass (the TRIGGERS service's tick); how many automations fired."""
        async with self.services.storage.write() as uow:
            firings = await self.evaluator.evaluate_proactive(uow, timeutil.now())
        self._enqueue(firings)
        return len(firings)

    async def act_on_pending(self, wait: float = 0.0) -> int:
        """Act on every queued firing (waiting up to `wait` seconds for the first); how many."""
        done = 0
        try:
            first = await asyncio.wait_for(self._pending.get(), timeout=wait) if wait else self._pending.get_nowait()
        except (TimeoutError, asyncio.QueueEmpty):
            return 0
        firing: AutomationFiring | None = first
        while firing is not None:
            await self.act(firing)
            done += 1
            try:
                firing = self._pending.get_nowait()
            except asyncio.QueueEmpty:
                firing = None
        return done

    async def act(self, fired: AutomationFiring) -> None:
        automation, firing = fired.automation, fired.firing
        triggered = state_change_event(automation, firing)
        await self.services.events.emit([triggered])
        plan = [(firing.triggering_event, action) for action in automation.actions]
        plan += [(triggered, action) for action in automation.actions_on_trigger]
        for index, (event, action) in enumerate(plan):
            ta = TriggeredAction(
                automation=automation,
                action=action,
                action_index=index,
                firing=firing,
                triggering_event=event,
                state_change_event_id=triggered.id,
                triggered=firing.triggered,
            )
            outcome, reason = "executed", None
            try:
                await self.executor.execute(ta)
            except ActionFailed as exc:
                outcome, reason = "failed", exc.reason
            except Exception as exc:  # never let one action stop the others
                log.exception("automation %s action %d (%s) failed", automation.id, index, action.type)
                outcome, reason = "failed", f"Unexpected error: {exc!r}"
            if outcome == "failed":
                log.warning("automation %s action %d (%s) failed: %s", automation.id, index, action.type, reason)
            await self.services.events.emit(
                action_events(
                    automation,
                    action_type=action.type,
                    action_index=index,
                    invocation=ta.id,
                    triggered=ta.triggered,
                    triggering_event=event,
                    state_change_event_id=triggered.id,
                    outcome=outcome,
                    details=ta.details,
                    resulting=ta.resulting,
                    reason=reason,
                )
            )
