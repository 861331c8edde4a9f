"""Rules for pausing and resuming flow runs, and for tasks of paused or stopped flows."""

from __future__ import annotations

from prefect_core.orchestration.base import (
    ALL_STATES,
    Outcome,
    TransitionContext,
    abort,
    accept,
    new_state,
    reject,
    rule,
)
from prefect_core.orchestration.needs import Need
from prefect_core.schemas.states import State, StateType

_RESUMABLE_TO = {StateType.RUNNING, StateType.SCHEDULED, StateType.CANCELLING}
_MUST_BE_RUNNING = "The enclosing flow must be running to begin task execution."


def _verb(proposed: State) -> str:
    return "suspend" if proposed.name == "Suspended" else "pause"


@rule(ALL_STATES, {StateType.PAUSED})
def handle_pausing_flows(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """Only a running flow run may pause, and each pause key fires once. Suspending
    (pausing with reschedule) needs a top-level run with a deployment to come back to.

    The pause key (a fresh one when the client gives none) is recorded once the pause
    is written.
    """
    verb = _verb(proposed)
    if ctx.initial is None:
        return abort(f"Cannot {verb} flows with no state.")
    if ctx.initial.type is not StateType.RUNNING:
        return reject(None, f"Cannot {verb} flows that are not currently running.")
    key = proposed.state_details.pause_key
    if key is None:
        key = str(proposed.id)
    pause_keys = set(ctx.flow_run.empirical_policy.pause_keys or ())
    if key in pause_keys:
        return reject(None, f"This {verb} has already fired.")
    if proposed.state_details.pause_reschedule:
        if ctx.flow_run.parent_task_run_id:
            return abort(f"Cannot {verb} subflows.")
        if ctx.flow_run.deployment_id is None:
            return abort(f"Cannot {verb} flows without a deployment.")
    return accept(after_changes={"empirical_policy": {"pause_keys": pause_keys | {key}}})


@rule({StateType.PAUSED}, ALL_STATES)
def handle_resuming_paused_flows(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A paused run may only resume (RUNNING, or SCHEDULED when suspended), be cancelled
    or finish, and not after its pause timed out (it fails instead).

    Whatever this rule answers, the run is then marked as resuming (as the reference
    does even on its rejections), so the next RUNNING does not count as a new run.
    """
    initial = ctx.initial
    assert initial is not None
    resuming = {"empirical_policy": {"resuming": True}}
    if not (proposed.type in _RESUMABLE_TO or proposed.is_terminal):
        return reject(
            None,
            f"This run cannot transition to the StateType.{proposed.type.name} state"
            f" from the StateType.{initial.type.name} state.",
            after_changes=resuming,
        )
    display_name = proposed.name.lower() if proposed.name else proposed.type.value.lower()
    if initial.state_details.pause_reschedule and not ctx.flow_run.deployment_id:
        return reject(
            None,
            f"Cannot reschedule a {display_name} flow run without a deployment.",
            after_changes=resuming,
        )
    if proposed.type is StateType.CANCELLING:
        # A blocking pause keeps its process alive: cancelling must reach it even late.
        return accept(after_changes=resuming)
    pause_timeout = initial.state_details.pause_timeout
    if pause_timeout and pause_timeout < ctx.now:
        failed = new_state(StateType.FAILED, ctx.now, message=f"The flow was {display_name} and never resumed.")
        return reject(
            failed,
            f"The flow run {_verb(proposed)} has timed out and can no longer resume.",
            after_changes=resuming,
        )
    return accept(after_changes=resuming)


@rule(ALL_STATES, {StateType.RUNNING}, needs={Need.PARENT_FLOW_RUN})
def prevent_running_tasks_from_stopped_flows(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A task may only run while its flow run runs. Tasks of a paused flow are told to
    wait in a "NotReady" paused state; tasks of a stopped flow abort."""
    run = ctx.task_run
    if run.flow_run_id is None:
        return None
    parent = ctx.parent_flow_run_state
    if parent is None:
        if ctx.parent_flow_run_run_count is None:
            return None  # the flow run is gone; nothing to defer to
        return abort(_MUST_BE_RUNNING)
    if parent.type is StateType.PAUSED:
        not_ready = new_state(
            StateType.PAUSED,
            ctx.now,
            name="NotReady",
            pause_timeout=parent.state_details.pause_timeout,
            pause_reschedule=parent.state_details.pause_reschedule,
        )
        return reject(
            not_ready,
            f"The flow is paused, new tasks can execute after resuming flow run: {run.flow_run_id}.",
        )
    if parent.type is not StateType.RUNNING:
        return abort(_MUST_BE_RUNNING)
    return None
