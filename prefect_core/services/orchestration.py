"""Setting a run's state: load what the rules need, decide, write, apply the effects."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractAsyncContextManager
from typing import Any
from uuid import UUID

from prefect_core import run_facts, timeutil
from prefect_core.errors import NotFound
from prefect_core.events.relatives_cache import RelativesCache
from prefect_core.orchestration.base import (
    DEFAULT_DEPLOYMENT_SLOT_WAIT_SECONDS,
    Decision,
    RunKind,
    TransitionContext,
)
from prefect_core.orchestration.engine import run_policy
from prefect_core.orchestration.policies import resolve
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.schemas.deployments import DEFAULT_DEPLOYMENT_LEASE_SECONDS
from prefect_core.schemas.responses import (
    OrchestrationResult,
    SetStateStatus,
    StateAbortDetails,
    StateAcceptDetails,
    StateRejectDetails,
    StateResponseDetails,
    StateWaitDetails,
)
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State, StateCreate
from prefect_core.services.context_loaders import load_context
from prefect_core.services.effect_handlers import TaskQueue, core_effect_dispatcher
from prefect_core.services.effects import Applied, Transaction
from prefect_core.services.events_sink import EventSink


def result_of(decision: Decision) -> OrchestrationResult:
    """The API's answer for a decision."""
    status = SetStateStatus(decision.status)
    details: StateResponseDetails
    if status is SetStateStatus.ACCEPT:
        details = StateAcceptDetails()
    elif status is SetStateStatus.REJECT:
        details = StateRejectDetails(reason=decision.reason)
    elif status is SetStateStatus.WAIT:
        details = StateWaitDetails(delay_seconds=decision.delay_seconds, reason=decision.reason)
    else:
        details = StateAbortDetails(reason=decision.reason)
    return OrchestrationResult(state=decision.state, status=status, details=details)


class OrchestrationService:
    """Proposing states for runs: load what the rules need, decide, write, apply the effects."""

    def __init__(
        self,
        storage: Storage,
        events: EventSink,
        task_queue: TaskQueue,
        waits: SlotWaits | None = None,
        *,
        deployment_slot_wait_seconds: float = DEFAULT_DEPLOYMENT_SLOT_WAIT_SECONDS,
        deployment_lease_seconds: float = DEFAULT_DEPLOYMENT_LEASE_SECONDS,
        related_resource_cache_seconds: float = 0.0,
    ) -> None:
        self.storage = storage
        self.events = events
        self.deployment_slot_wait_seconds = deployment_slot_wait_seconds
        self.deployment_lease_seconds = deployment_lease_seconds
        #: The state events' related resources, kept between a run's transitions.
        self.relatives = RelativesCache(related_resource_cache_seconds)
        self.effects = core_effect_dispatcher(
            events=events, task_queue=task_queue, transitions=self, waits=waits, relatives=self.relatives
        )

    def write(self) -> AbstractAsyncContextManager[Transaction]:
        """A write unit of work in which runs may change state: the after-commit part of
        their effects (events, task-worker hand-offs) runs once it has committed."""
        return self.effects.transaction(self.storage)

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
        async with self.write() as tx:
            run = await tx.uow.flow_runs.get(run_id, for_update=True)
            if run is None:
                raise NotFound("Flow run not found")
            decision = await self._propose(tx, run, proposed, force=force, client_version=client_version, policy=policy)
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
        async with self.write() as tx:
            run = await tx.uow.task_runs.get(run_id, for_update=True)
            if run is None:
                raise NotFound("Task run not found")
            decision = await self._propose(tx, run, proposed, force=force, client_version=client_version)
        return result_of(decision)

    async def initial_flow_run_state(self, tx: Transaction, run: FlowRun, state: State) -> FlowRun:
        """Give a newly created flow run its first state (forced: only bookkeeping applies);
        returns the run as written (not read back)."""
        _, written = await self.transition(tx, run, state, force=True)
        assert isinstance(written, FlowRun)
        return written

    async def initial_task_run_state(self, tx: Transaction, run: TaskRun, state: State) -> TaskRun:
        """Give a newly created task run its first state (forced: only bookkeeping applies);
        returns the run as written (not read back)."""
        _, written = await self.transition(tx, run, state, force=True)
        assert isinstance(written, TaskRun)
        return written

    async def _propose(
        self,
        tx: Transaction,
        run: FlowRun | TaskRun,
        proposed: StateCreate | State,
        **options: Any,
    ) -> Decision:
        # Stamped once the run is locked, so that states are stored in time order.
        now = timeutil.now()
        state = proposed if isinstance(proposed, State) else State.from_create(proposed, timestamp=now)
        decision, _ = await self.transition(tx, run, state, now=now, **options)
        return decision

    async def transition(
        self,
        tx: Transaction,
        run: FlowRun | TaskRun,
        proposed: State,
        *,
        force: bool = False,
        client_version: str | None = None,
        policy: str | None = None,
        now: dt.datetime | None = None,
    ) -> tuple[Decision, FlowRun | TaskRun]:
        """Orchestrate `proposed` for `run` (as read, locked, in `tx`) and carry out the
        decision in `tx`: the governing policy's needs are loaded, its rules decide, the
        state and bookkeeping are written, and every declared effect is dispatched.
        Returns the decision and the run as written (not read back)."""
        kind = RunKind.FLOW if isinstance(run, FlowRun) else RunKind.TASK
        ctx = TransitionContext(
            kind=kind,
            run=run,
            initial=run.state,
            proposed=proposed,
            now=now or timeutil.now(),
            force=force,
            client_version=client_version,
            deployment_slot_wait_seconds=self.deployment_slot_wait_seconds,
            deployment_lease_seconds=self.deployment_lease_seconds,
        )
        chosen = resolve(policy, ctx)
        ctx = await load_context(tx.uow, ctx, chosen.needs(ctx))
        decision = run_policy(chosen, ctx)
        written = await _write(tx.uow, ctx, decision)
        applied = Applied(
            tx=tx, kind=kind, run=written, initial=ctx.initial, state=_written_state(decision), now=ctx.now
        )
        await self.effects.dispatch(decision.effects, applied)
        return decision, written


def _written_state(decision: Decision) -> State | None:
    return decision.state if decision.writes_state else None


async def _write(uow: UnitOfWork, ctx: TransitionContext, decision: Decision) -> FlowRun | TaskRun:
    """Write the decision's state (if any) and run bookkeeping; returns the run as written.

    A REJECT can write a substitute state (AwaitingRetry, Cached...) and any decision
    can carry run updates, so this is not limited to ACCEPT.
    """
    flow = ctx.kind is RunKind.FLOW
    run_id = ctx.run.id
    runs = uow.flow_runs if flow else uow.task_runs
    states = uow.flow_run_states if flow else uow.task_run_states
    state = _written_state(decision)
    run_updates = decision.run_updates
    if state is None:
        if run_updates:
            await runs.update(run_id, run_updates)
    else:
        # The stored state always names its run, whatever the client sent.
        if flow:
            state.state_details.flow_run_id = run_id
        else:
            state.state_details.task_run_id = run_id
        # One UPDATE carries both the bookkeeping and the new current state, stamped with
        # the transition's time, so that the run as written (below) is the row as stored.
        run_updates = {**run_updates, "updated": ctx.now}
        await states.add(run_id, state, run_updates)
    return _as_written(ctx.run, run_updates, state, ctx.now)


def _as_written(
    run: FlowRun | TaskRun, run_updates: dict[str, Any], state: State | None, now: dt.datetime
) -> FlowRun | TaskRun:
    """The run with `run_updates` (and `state`) applied, without reading it back: what a
    read of it would answer at `now` (a new run's creation answers with it)."""
    updates = dict(run_updates)
    if "empirical_policy" in updates:
        updates["empirical_policy"] = type(run.empirical_policy).model_validate(updates["empirical_policy"])
    if state is not None:
        updates.update(state=state, state_id=state.id, state_type=state.type, state_name=state.name)
    if not updates:
        return run

    def after(field: str) -> Any:
        return updates[field] if field in updates else getattr(run, field)

    current = after("state")
    updates.update(
        run_facts.read_time_fields(
            after("total_run_time"),
            after("state_type"),
            current.timestamp if current is not None else None,
            after("expected_start_time"),
            after("start_time"),
            now,
        )
    )
    return run.model_copy(update=updates)
