"""Rules that refuse transitions which would make no sense or duplicate work."""

from __future__ import annotations

from prefect_core.orchestration.base import (
    ALL_STATES,
    Outcome,
    TransitionContext,
    abort,
    accept,
    reject,
    rule,
    with_details,
)
from prefect_core.schemas.states import State, StateType

_LATE = "Late"


@rule(ALL_STATES, ALL_STATES)
def prevent_duplicate_transitions(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A proposal carrying the current state's `transition_id` was already applied: answer
    with the current state, so a client retrying a lost response changes nothing."""
    if ctx.initial is None:
        return None
    current_id = ctx.initial.state_details.transition_id
    if current_id is not None and current_id == proposed.state_details.transition_id:
        return reject(None, "This run has already made this state transition.")
    return None


@rule({StateType.PENDING, StateType.CANCELLING, StateType.RUNNING, StateType.CANCELLED}, {StateType.PENDING})
def prevent_pending_transitions(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """Only one submitter may move a run to PENDING: a second one aborts.

    PENDING -> PENDING is allowed when it names a new sub-step (e.g. "Submitting"),
    carrying the scheduled time and deployment lease forward.
    """
    assert ctx.initial is not None
    initial = ctx.initial
    if initial.type is StateType.PENDING and initial.name != proposed.name and proposed.name != "Pending":
        return accept(
            with_details(
                proposed,
                scheduled_time=initial.state_details.scheduled_time,
                deployment_concurrency_lease_id=initial.state_details.deployment_concurrency_lease_id,
            )
        )
    return abort(f"This run is in a {initial.type.name} state and cannot transition to a PENDING state.")


@rule(ALL_STATES, {StateType.SCHEDULED})
def ensure_only_scheduled_flows_marked_late(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """Only a SCHEDULED run not yet marked "Late" may become "Late"."""
    if ctx.initial is None or proposed.name != _LATE:
        return None
    if ctx.initial.type is not StateType.SCHEDULED:
        return reject(None, "Only scheduled flows can be marked late.")
    if ctx.initial.name == _LATE:
        return reject(None, "This flow run is already marked late.")
    return None
