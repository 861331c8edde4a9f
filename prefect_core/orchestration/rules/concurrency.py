"""Rules for deployment concurrency limits.

A deployment with a `concurrency_limit` lets at most that many of its flow runs
hold a slot at once (see `DeploymentConcurrency` for what holding one means). A
slot is taken by moving to PENDING and given back by leaving the active states;
since the service counts the holders from the runs' current states (under the
deployment's lock), giving a slot back needs no rule of its own.

Both rules declare `Need.DEPLOYMENT_SLOTS`, so the service counts the slots only for
the transitions they govern (taking a slot; marking a run late); others cost nothing.
"""

from __future__ import annotations

import datetime as dt

from prefect_core.orchestration.base import (
    ALL_STATES,
    Outcome,
    TransitionContext,
    abort,
    new_state,
    reject,
    rule,
)
from prefect_core.orchestration.needs import Need
from prefect_core.run_facts import DEPLOYMENT_SLOT_STATES, LATE_STATE_NAME
from prefect_core.schemas.states import State, StateType

#: States in which a flow run holds its deployment's slot.
HOLDING = DEPLOYMENT_SLOT_STATES

AWAITING_SLOT = "AwaitingConcurrencySlot"
LIMIT_REACHED = "Deployment concurrency limit reached."
_LATE = LATE_STATE_NAME


@rule(ALL_STATES - HOLDING, {StateType.PENDING}, needs={Need.DEPLOYMENT_SLOTS})
def secure_deployment_slot(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A run of a deployment with a concurrency limit moves to PENDING only into a
    free slot (workers propose PENDING before starting infrastructure, so a run that
    cannot go on costs nothing). When every slot is held, the deployment's collision
    strategy decides: ENQUEUE puts the run back as SCHEDULED "AwaitingConcurrencySlot",
    due again after `ctx.deployment_slot_wait_seconds`; CANCEL_NEW cancels it.

    Taking the slot needs no effect: the accepted PENDING state is what holds it.
    """
    limits = ctx.deployment_concurrency
    if limits is None or ctx.flow_run.deployment_id is None:
        return None
    if limits.limit == 0:
        return abort("The deployment concurrency limit is 0. The flow will deadlock if submitted again.")
    if not limits.full:
        return None
    if limits.collision_strategy == "CANCEL_NEW":
        return reject(new_state(StateType.CANCELLED, ctx.now, message=LIMIT_REACHED), LIMIT_REACHED)
    due = ctx.now + dt.timedelta(seconds=ctx.deployment_slot_wait_seconds)
    return reject(new_state(StateType.SCHEDULED, ctx.now, name=AWAITING_SLOT, scheduled_time=due), LIMIT_REACHED)


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
