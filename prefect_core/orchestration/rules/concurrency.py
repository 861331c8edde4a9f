"""Rules for deployment concurrency limits, on leased slots of a global limit.

A deployment is governed by a global concurrency limit: its own `deployment:<id>` (made for
its `concurrency_limit`) or one linked with `global_concurrency_limit_id`. A flow run takes one of its slots by moving to PENDING: the rule
names a new lease in the accepted state (`deployment_concurrency_lease_id`) and declares
a `LeaseDeploymentSlot` effect, which the dispatcher applies in the same unit of work.
The client's flow engine renews that lease while the run runs; the engine's bookkeeping
(`bookkeeping.deployment_lease`) carries the lease id from state to state while the run
holds its slot and declares `ReleaseDeploymentLease` when it leaves those states. A run
whose process dies stops renewing, and the repossessor frees its slot once the lease
expires.

The rules declare `Need.DEPLOYMENT_SLOTS` (the limit, read under its row lock, so a
free slot they see is still free when the effect takes it) and, at RUNNING,
`Need.DEPLOYMENT_LEASE`; transitions no such rule governs read nothing more.
"""

from __future__ import annotations

import datetime as dt
import uuid

from prefect_core.orchestration.base import (
    ALL_STATES,
    Outcome,
    TransitionContext,
    abort,
    accept,
    new_state,
    reject,
    rule,
    with_details,
)
from prefect_core.orchestration.effects import LeaseDeploymentSlot, RenewDeploymentLease
from prefect_core.orchestration.needs import Need
from prefect_core.run_facts import DEPLOYMENT_SLOT_STATES, LATE_STATE_NAME
from prefect_core.schemas.deployments import DeploymentConcurrency
from prefect_core.schemas.states import State, StateType

#: States in which a flow run holds its deployment's slot.
HOLDING = DEPLOYMENT_SLOT_STATES

AWAITING_SLOT = "AwaitingConcurrencySlot"
LIMIT_REACHED = "Deployment concurrency limit reached."
SLOT_LOST = "Deployment concurrency slot lost during provisioning - no slots available to continue execution"
SLOT_LOST_REASON = "Deployment concurrency limit reached after lease expiry."
_LATE = LATE_STATE_NAME

#: Lease ids are derived from the id of the state that takes the lease, so a rule stays a
#: pure function of its context (and a proposal replayed with its id names the same lease).
_LEASE_NAMESPACE = uuid.UUID("0b6f3c2e-7d41-4f5a-9c8e-1a2b3c4d5e6f")


def lease_id_for(state: State) -> uuid.UUID:
    """The id of the lease taken by the state `state` (deterministic)."""
    return uuid.uuid5(_LEASE_NAMESPACE, str(state.id))


def _lease_seconds(ctx: TransitionContext, limits: DeploymentConcurrency) -> float:
    return limits.lease_seconds if limits.lease_seconds is not None else ctx.deployment_lease_seconds


def _leased(ctx: TransitionContext, proposed: State, limits: DeploymentConcurrency) -> Outcome:
    lease_id = lease_id_for(proposed)
    effect = LeaseDeploymentSlot(lease_id, limits.limit_id, ctx.flow_run.id, _lease_seconds(ctx, limits))
    return accept(with_details(proposed, deployment_concurrency_lease_id=lease_id), effects=(effect,))


@rule(ALL_STATES - HOLDING, {StateType.PENDING}, needs={Need.DEPLOYMENT_SLOTS})
def secure_deployment_slot(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A run of a deployment with a concurrency limit moves to PENDING only into a
    free slot, which it leases (workers propose PENDING before starting infrastructure,
    so a run that cannot go on costs nothing). When every slot is held, the deployment's
    collision strategy decides (an inactive limit counts as full, as in the reference): ENQUEUE puts the run back as SCHEDULED "AwaitingConcurrencySlot",
    due again after `ctx.deployment_slot_wait_seconds`; CANCEL_NEW cancels it.

    A run waiting in-process for a retry keeps the lease it holds.
    """
    limits = ctx.deployment_concurrency
    if limits is None or ctx.flow_run.deployment_id is None:
        return None
    if ctx.initial is not None and ctx.initial.state_details.deployment_concurrency_lease_id is not None:
        return None
    if limits.limit == 0:
        return abort("The deployment concurrency limit is 0. The flow will deadlock if submitted again.")
    if not limits.full:
        return _leased(ctx, proposed, limits)
    if limits.collision_strategy == "CANCEL_NEW":
        return reject(new_state(StateType.CANCELLED, ctx.now, message=LIMIT_REACHED), LIMIT_REACHED)
    due = ctx.now + dt.timedelta(seconds=ctx.deployment_slot_wait_seconds)
    return reject(new_state(StateType.SCHEDULED, ctx.now, name=AWAITING_SLOT, scheduled_time=due), LIMIT_REACHED)


@rule({StateType.PENDING}, {StateType.RUNNING}, needs={Need.DEPLOYMENT_SLOTS, Need.DEPLOYMENT_LEASE})
def validate_deployment_lease_at_running(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A run starting with a deployment lease keeps it (renewed for another lease
    period). If the lease expired while the run was being provisioned, the run takes a
    free slot again; with none free it is cancelled, as its infrastructure is already
    up and cannot wait."""
    assert ctx.initial is not None
    lease_id = ctx.initial.state_details.deployment_concurrency_lease_id
    if lease_id is None:
        return None
    limits = ctx.deployment_concurrency
    if limits is None:
        return accept(with_details(proposed, deployment_concurrency_lease_id=lease_id))
    if ctx.deployment_lease_alive:
        renewal = RenewDeploymentLease(lease_id, _lease_seconds(ctx, limits))
        return accept(with_details(proposed, deployment_concurrency_lease_id=lease_id), effects=(renewal,))
    if not limits.full:
        return _leased(ctx, proposed, limits)
    return reject(new_state(StateType.CANCELLED, ctx.now, message=SLOT_LOST), SLOT_LOST_REASON)


@rule({StateType.SCHEDULED}, {StateType.SCHEDULED}, needs={Need.DEPLOYMENT_SLOTS})
def cancel_late_runs_of_full_deployments(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A run about to be marked "Late" whose deployment is full and uses CANCEL_NEW
    is cancelled instead: it would be cancelled at PENDING anyway, and must not pile
    up as Late meanwhile."""
    limits = ctx.deployment_concurrency
    if proposed.name != _LATE or limits is None or ctx.flow_run.deployment_id is None:
        return None
    if limits.collision_strategy != "CANCEL_NEW" or not limits.full:
        return None
    return reject(
        new_state(StateType.CANCELLED, ctx.now, message=LIMIT_REACHED),
        "Deployment concurrency limit is full and uses the CANCEL_NEW strategy.",
    )
