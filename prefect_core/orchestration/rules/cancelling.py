"""Rules about cancelling runs."""

from __future__ import annotations

from prefect_core.orchestration.base import ALL_STATES, Outcome, TransitionContext, new_state, reject, rule
from prefect_core.schemas.states import State, StateType


@rule({StateType.CANCELLING}, ALL_STATES - {StateType.CANCELLED})
def enforce_cancelling_to_cancelled_transition(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A cancelling run can only become CANCELLED (the reference applies this to flow runs)."""
    return reject(None, "Cannot transition flows that are cancelling to a state other than Cancelled.")


@rule({StateType.SCHEDULED, StateType.PAUSED}, {StateType.CANCELLING})
def bypass_cancelling_flow_runs_with_no_infra(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """CANCELLING exists so a worker tears down infrastructure. A scheduled run that has
    none yet (or is only "Resuming"), or a suspended one, goes straight to CANCELLED."""
    initial = ctx.initial
    assert initial is not None
    if (initial.type is StateType.SCHEDULED and not ctx.flow_run.infrastructure_pid) or initial.name == "Resuming":
        return reject(
            new_state(StateType.CANCELLED, ctx.now),
            "Scheduled flow run has no infrastructure to terminate.",
        )
    if initial.type is StateType.PAUSED and initial.state_details.pause_reschedule:
        return reject(
            new_state(StateType.CANCELLED, ctx.now),
            "Suspended flow run has no infrastructure to terminate.",
        )
    return None
