"""Setting a run's state: load, decide with the pure rules, write, announce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.events.state_events import flow_run_state_change_event
from prefect_core.orchestration import orchestrate
from prefect_core.orchestration.base import EnqueueTaskRun, CacheWrite, Decision, RunKind, SetParentTaskRunState, TransitionContext
from prefect_core.orchestration.rules.concurrency import needs_deployment_slots
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.responses import (
    OrchestrationResult,
    SetStateStatus,
    StateAbortDetails,
    StateAcceptDetails,
    StateRejectDetails,
    StateWaitDetails,
)
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State, StateCreate, StateType
from prefect_core.services.events_sink import EventSink


def result_of(decision: Decision) -> OrchestrationResult:
    """The API's answer for a decision."""
    status = SetStateStatus(decision.status)
    if status is SetStateStatus.ACCEPT:
        details = StateAcceptDetails()
    elif status is SetStateStatus.REJECT:
        details = StateRejectDetails(reason=decision.reason)
    elif status is SetStateStatus.WAIT:
        details = StateWaitDetails(delay_seconds=decision.delay_seconds, reason=decision.reason)
    else:
        details = StateAbortDetails(reason=decision.reason)
    return OrchestrationResult(state=decision.state, status=status, details=details)


async def _apply(uow: UnitOfWork, kind: RunKind, run_id: UUID, decision: Decision) -> None:
    """Carry out a decision: run bookkeeping, the new state (if any), declared effects.

    A REJECT can write a substitute state (AwaitingRetry, Cached...) and any
    decision can carry run updates, so this is not limited to ACCEPT.
    """
    runs = uow.flow_runs if kind is RunKind.FLOW else uow.task_runs
    states = uow.flow_run_states if kind is RunKind.FLOW else uow.task_run_states
    if not decision.writes_state:
        if decision.run_updates:
            await runs.update(run_id, decision.run_updates)
        return
    assert decision.state is not None
    # The stored state always names its run, whatever the client sent.
    details = decision.state.state_details
    if kind is RunKind.FLOW:
        details.flow_run_id = run_id
    else:
        details.task_run_id = run_id
    # One UPDATE carries both the bookkeeping and the new current state.
    await states.add(run_id, decision.state, decision.run_updates)
    for effect in decision.effects:
        if isinstance(effect, CacheWrite):
            await uow.task_cache.put(effect.cache_key, decision.state, effect.expiration)
        elif isinstance(effect, SetParentTaskRunState):
            await _mirror_on_parent_task(uow, effect)


async def _mirror_on_parent_task(uow: UnitOfWork, effect: SetParentTaskRunState) -> None:
    """A subflow's state is forced onto the task run that stands for it in its parent flow."""
    task = await uow.task_runs.get(effect.task_run_id, for_update=True)
    if task is None:
        return
    ctx = TransitionContext(
        kind=RunKind.TASK, run=task, initial=task.state, proposed=effect.state, now=timeutil.now(), force=True
    )
    await _apply(uow, RunKind.TASK, task.id, orchestrate(ctx))


def _plain_updates(run_updates: dict[str, Any]) -> dict[str, Any]:
    """The run-row changes an event needs (the policy dict is not one of them)."""
    return {k: v for k, v in run_updates.items() if k != "empirical_policy"}


class OrchestrationService:
    def __init__(self, storage: Storage, events: EventSink) -> None:
        self.storage = storage
        self.events = events
        #: Called (after commit) with a background task run the rules put back in its
        #: task queue, e.g. a retry; wired to the task-worker queues by `Services`.
        self.on_enqueue: Callable[[TaskRun], None] | None = None

    async def set_flow_run_state(
        self,
        run_id: UUID,
        proposed: StateCreate | State,
        *,
        force: bool = False,
        client_version: str | None = None,
        policy: str | None = None,
    ) -> OrchestrationResult:
        """Propose `proposed` for a flow run; the rules decide what is stored.
        `policy` names another policy than the default (e.g. "mark_late")."""
        async with self.storage.write() as uow:
            run = await uow.flow_runs.get(run_id, for_update=True)
            if run is None:
                raise NotFound("Flow run not found")
            # Stamped once the run is locked, so that states are stored in time order.
            now = timeutil.now()
            state = proposed if isinstance(proposed, State) else State.from_create(proposed, timestamp=now)
            slots = None
            if needs_deployment_slots(run, run.state, state, force=force):
                assert run.deployment_id is not None
                # Counted under the deployment's lock, after the run's: the decision
                # and its write then happen before any other run can count again.
                slots = await uow.deployments.lock_and_count_active(run.deployment_id, exclude_run_id=run.id)
            ctx = TransitionContext(
                kind=RunKind.FLOW, run=run, initial=run.state, proposed=state,
                now=now, force=force, client_version=client_version, deployment_concurrency=slots,
            )
            decision = orchestrate(ctx, policy)
            event = None
            await _apply(uow, RunKind.FLOW, run_id, decision)
            if decision.writes_state:
                assert decision.state is not None
                relatives = await uow.deployments.flow_run_relatives(
                    run.flow_id,
                    deployment_id=run.deployment_id,
                    work_queue_id=run.work_queue_id,
                    parent_task_run_id=run.parent_task_run_id,
                )
                # The run as just written, without reading it back.
                updated = run.model_copy(update=_plain_updates(decision.run_updates))
                event = flow_run_state_change_event(updated, relatives, run.state, decision.state, now)
        if event is not None:
            await self.events.emit([event])
        return result_of(decision)

    async def set_task_run_state(
        self,
        run_id: UUID,
        proposed: StateCreate | State,
        *,
        force: bool = False,
        client_version: str | None = None,
    ) -> OrchestrationResult:
        """Propose `proposed` for a task run; the rules decide what is stored."""
        async with self.storage.write() as uow:
            run = await uow.task_runs.get(run_id, for_update=True)
            if run is None:
                raise NotFound("Task run not found")
            now = timeutil.now()
            state = proposed if isinstance(proposed, State) else State.from_create(proposed, timestamp=now)
            ctx = await task_context(uow, run, state, now=now, force=force, client_version=client_version)
            decision = orchestrate(ctx)
            await _apply(uow, RunKind.TASK, run_id, decision)
            enqueue = any(isinstance(e, EnqueueTaskRun) for e in decision.effects) and decision.writes_state
            queued = await uow.task_runs.get(run_id) if enqueue and self.on_enqueue else None
        if queued is not None and self.on_enqueue is not None:
            # After commit: a task worker may pick the run up at once.
            self.on_enqueue(queued)
        return result_of(decision)

    async def initial_flow_run_state(self, uow: UnitOfWork, run: FlowRun, state: State) -> None:
        """Give a newly created flow run its first state (forced: only bookkeeping applies)."""
        ctx = TransitionContext(kind=RunKind.FLOW, run=run, initial=None, proposed=state, now=timeutil.now(), force=True)
        await _apply(uow, RunKind.FLOW, run.id, orchestrate(ctx))

    async def initial_task_run_state(self, uow: UnitOfWork, run: TaskRun, state: State) -> None:
        """Give a newly created task run its first state (forced: only bookkeeping applies)."""
        ctx = TransitionContext(kind=RunKind.TASK, run=run, initial=None, proposed=state, now=timeutil.now(), force=True)
        await _apply(uow, RunKind.TASK, run.id, orchestrate(ctx))


async def task_context(
    uow: UnitOfWork,
    run: TaskRun,
    state: State,
    *,
    now,
    force: bool = False,
    client_version: str | None = None,
) -> TransitionContext:
    """Load what the task rules need besides the run: its flow run's state and the cache."""
    parent_state = parent_run_count = None
    if run.flow_run_id is not None:
        parent = await uow.flow_runs.get(run.flow_run_id)
        if parent is not None:
            parent_state, parent_run_count = parent.state, parent.run_count
    cached = None
    cache_key = state.state_details.cache_key
    if state.type is StateType.RUNNING and cache_key and not state.state_details.refresh_cache:
        cached = await uow.task_cache.get(cache_key, now)
    return TransitionContext(
        kind=RunKind.TASK, run=run, initial=run.state, proposed=state, now=now, force=force,
        parent_flow_run_state=parent_state, parent_flow_run_run_count=parent_run_count,
        cached_state=cached, client_version=client_version,
    )
