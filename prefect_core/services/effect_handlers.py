"""The handlers of the core effects, and the dispatcher that knows them all.

One function per effect type; `core_effect_dispatcher` registers each with the
`EffectDispatcher` (an effect added to `prefect_core.orchestration.effects` gets its
handler here, in one `register` line).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from prefect_core.events.relatives_cache import RelativesCache
from prefect_core.events.state_events import flow_run_state_change_event
from prefect_core.orchestration.effects import (
    CacheWrite,
    EnqueueTaskRun,
    FlowRunStateChanged,
    LeaseDeploymentSlot,
    ReleaseDeploymentLease,
    RenewDeploymentLease,
    SetParentTaskRunState,
)
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.schemas.concurrency_limits import ConcurrencyLease, ConcurrencyLeaseHolder
from prefect_core.schemas.events import Event
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State
from prefect_core.services.concurrency_limits import release
from prefect_core.services.effects import Applied, EffectDispatcher, Transaction
from prefect_core.services.events_sink import EventSink


class TaskQueue(Protocol):
    """Where background task runs wait for a task worker (`TaskWorkerService`)."""

    def enqueue(self, run: TaskRun) -> None: ...


class Transitions(Protocol):
    """Orchestrating a further transition inside the same transaction (`OrchestrationService`)."""

    async def transition(
        self, tx: Transaction, run: FlowRun | TaskRun, proposed: State, *, force: bool = False
    ) -> object: ...


def core_effect_dispatcher(
    *,
    events: EventSink,
    task_queue: TaskQueue,
    transitions: Transitions,
    waits: SlotWaits | None = None,
    relatives: RelativesCache | None = None,
) -> EffectDispatcher:
    """A dispatcher with a handler for every core effect (`waits`: how denied slots of
    global limits decay, for the deployment leases' limits; `relatives`: where the state
    events' related resources are kept between transitions, none kept without it)."""
    dispatcher = EffectDispatcher()
    slot_waits = waits or SlotWaits()
    known = relatives if relatives is not None else RelativesCache(ttl_seconds=0)

    async def write_cache(effect: CacheWrite, applied: Applied) -> None:
        if applied.state is None:
            raise ValueError("A cache write needs the state the decision wrote")
        await applied.uow.task_cache.put(effect.cache_key, applied.state, effect.expiration)

    async def mirror_on_parent_task(effect: SetParentTaskRunState, applied: Applied) -> None:
        # A subflow's state is forced onto the task run standing for it in its parent flow.
        task = await applied.uow.task_runs.get(effect.task_run_id, for_update=True)
        if task is not None:
            await transitions.transition(applied.tx, task, effect.state, force=True)

    async def run_to_queue(effect: EnqueueTaskRun, applied: Applied) -> TaskRun | None:
        # The run as just written (no read back): what the worker starts from.
        if applied.state is None:
            return None
        assert isinstance(applied.run, TaskRun) and applied.run.id == effect.task_run_id
        return applied.run

    async def hand_to_task_worker(run: TaskRun) -> None:
        task_queue.enqueue(run)

    async def state_change_event(effect: FlowRunStateChanged, applied: Applied) -> Event:
        run = applied.run
        assert isinstance(run, FlowRun), "flow run states are announced for flow runs only"
        key = (run.flow_id, run.deployment_id, run.work_queue_id, run.parent_task_run_id)
        related = known.get(key)
        if related is None:
            related = await applied.uow.flow_run_relatives.get(
                run.flow_id,
                deployment_id=run.deployment_id,
                work_queue_id=run.work_queue_id,
                parent_task_run_id=run.parent_task_run_id,
            )
            known.put(key, related)
        return flow_run_state_change_event(run, related, effect.initial_state, effect.validated_state, applied.now)

    async def publish(event: Event) -> None:
        await events.emit([event])

    async def lease_deployment_slot(effect: LeaseDeploymentSlot, applied: Applied) -> None:
        # The decision read the limit under its row lock and saw a free slot: taking it succeeds.
        now = applied.now
        if not await applied.uow.concurrency_limits.increment([effect.limit_id], 1, now, slot_waits):
            raise RuntimeError(f"The deployment concurrency slot of limit {effect.limit_id} was taken meanwhile")
        lease = ConcurrencyLease(
            id=effect.lease_id,
            limit_ids=[effect.limit_id],
            slots=1,
            created=now,
            expiration=now + dt.timedelta(seconds=effect.lease_seconds),
            holder=ConcurrencyLeaseHolder(type="flow_run", id=effect.flow_run_id),
        )
        await applied.uow.concurrency_leases.insert(lease)

    async def renew_deployment_lease(effect: RenewDeploymentLease, applied: Applied) -> None:
        expiration = applied.now + dt.timedelta(seconds=effect.lease_seconds)
        await applied.uow.concurrency_leases.renew(effect.lease_id, expiration, applied.now)

    async def release_deployment_lease(effect: ReleaseDeploymentLease, applied: Applied) -> None:
        # Gone already (expired and repossessed, or its limit removed): nothing to give back.
        await release(applied.uow, effect.lease_id, applied.now, slot_waits)

    dispatcher.register(CacheWrite, write_cache)
    dispatcher.register(LeaseDeploymentSlot, lease_deployment_slot)
    dispatcher.register(RenewDeploymentLease, renew_deployment_lease)
    dispatcher.register(ReleaseDeploymentLease, release_deployment_lease)
    dispatcher.register(SetParentTaskRunState, mirror_on_parent_task)
    dispatcher.register(EnqueueTaskRun, run_to_queue, after_commit=hand_to_task_worker)
    dispatcher.register(FlowRunStateChanged, state_change_event, after_commit=publish)
    return dispatcher
