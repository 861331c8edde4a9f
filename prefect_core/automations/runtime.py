"""Automations at run time: reactive evaluation inside the event pipeline's write,
proactive evaluation on a clock, and acting on what fired.

A firing is acted upon after the transaction that recorded it commits: the runtime
emits `prefect.automation.triggered`, then runs the automation's actions (and its
`actions_on_trigger`) concurrently, as the reference's action consumers do, each announced
by `prefect.automation.action.triggered` and closed by `.executed` or `.failed`; a failing
or slow action (a webhook may take 30 s) holds up no other. Firings taken from the queue
together are acted on together; at most `MAX_CONCURRENT_ACTIONS` actions run at once.
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
from prefect_core.schemas.automation_actions import ActionBase
from prefect_core.schemas.events import Event

if TYPE_CHECKING:
    from prefect_core.services.container import Services

log = logging.getLogger(__name__)

#: Firings waiting for their actions; beyond this, new ones are dropped (and logged).
MAX_PENDING = 10_000
#: Actions running at once, across firings (a slow one holds one of these slots).
MAX_CONCURRENT_ACTIONS = 8
#: Firings taken from the queue to be acted on together.
FIRINGS_PER_BATCH = 50


class AutomationRuntime:
    def __init__(self, services: Services, *, reactive: bool = True) -> None:
        self.services = services
        self.reactive = reactive
        self.evaluator = TriggerEvaluator()
        self.executor = ActionExecutor(services)
        self._pending: asyncio.Queue[AutomationFiring] = asyncio.Queue()
        self._action_slots = asyncio.Semaphore(MAX_CONCURRENT_ACTIONS)
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
            if wait:
                async with asyncio.timeout(wait):  # not wait_for: it can swallow a cancellation on 3.11
                    first = await self._pending.get()
            else:
                first = self._pending.get_nowait()
        except (TimeoutError, asyncio.QueueEmpty):
            return 0
        batch = [first]
        while True:
            while len(batch) < FIRINGS_PER_BATCH:
                try:
                    batch.append(self._pending.get_nowait())
                except asyncio.QueueEmpty:
                    break
            outcomes = await asyncio.gather(*(self.act(firing) for firing in batch), return_exceptions=True)
            done += len(batch)
            for outcome in outcomes:  # every firing was acted on; the first error is the caller's
                if isinstance(outcome, BaseException):
                    raise outcome
            if self._pending.empty():
                return done
            batch = []

    async def act(self, fired: AutomationFiring) -> None:
        automation, firing = fired.automation, fired.firing
        triggered = state_change_event(automation, firing)
        await self.services.events.emit([triggered])
        plan = [(firing.triggering_event, action) for action in automation.actions]
        plan += [(triggered, action) for action in automation.actions_on_trigger]
        outcomes = await asyncio.gather(
            *(self._run_action(fired, triggered, index, event, action) for index, (event, action) in enumerate(plan)),
            return_exceptions=True,
        )
        for outcome in outcomes:  # every action ran to its end; the first error is the caller's
            if isinstance(outcome, BaseException):
                raise outcome

    async def _run_action(
        self, fired: AutomationFiring, triggered: Event, index: int, event: Event | None, action: ActionBase
    ) -> None:
        automation, firing = fired.automation, fired.firing
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
        async with self._action_slots:
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
