"""Rules protecting runs that have already finished."""

from __future__ import annotations

from typing import Any

from prefect_core.orchestration.base import (
    ALL_STATES,
    TERMINAL,
    Outcome,
    TransitionContext,
    abort,
    accept,
    reject,
    renamed,
    rule,
)
from prefect_core.orchestration.needs import Need
from prefect_core.schemas.states import State, StateType

#: A finished run may not be marked as any of these.
_NOT_AFTER_TERMINAL = {StateType.CANCELLING, StateType.PAUSED, StateType.CRASHED}

_OVERWRITE_RESULT = "Cannot overwrite a COMPLETED state that carries persisted result data with one that does not."


def has_persisted_result(data: Any) -> bool:
    """True when state data is a persisted result's metadata (not an unpersisted marker)."""
    return isinstance(data, dict) and data.get("type") != "unpersisted"


def _loses_result(initial: State, proposed: State) -> bool:
    return (
        initial.type is StateType.COMPLETED
        and proposed.type is StateType.COMPLETED
        and bool(initial.data)
        and has_persisted_result(initial.data)
        and not has_persisted_result(proposed.data)
    )


@rule(TERMINAL, ALL_STATES)
def handle_flow_terminal_state_transitions(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A finished flow run may be re-run (retried by hand, rescheduled by its deployment)
    but not paused, crashed or cancelled, and a persisted result is never thrown away.

    Leaving a terminal state for a non-terminal one resets the pause bookkeeping and
    records how the run is retried.
    """
    initial = ctx.initial
    assert initial is not None
    if proposed.type in _NOT_AFTER_TERMINAL:
        return abort(f"Run is already in terminal state {initial.type.value}.")
    if (
        initial.type is StateType.COMPLETED
        and not proposed.is_terminal
        and initial.data
        and has_persisted_result(initial.data)
    ):
        return reject(None, "Run is already COMPLETED.")
    if _loses_result(initial, proposed):
        return reject(None, _OVERWRITE_RESULT)
    if proposed.type is StateType.SCHEDULED and not ctx.flow_run.deployment_id:
        return abort("Cannot reschedule a run without an associated deployment.")
    if proposed.is_terminal:
        return None
    retry_type = "reschedule" if proposed.type is StateType.SCHEDULED else None
    return accept(changes={"empirical_policy": {"resuming": False, "pause_keys": set(), "retry_type": retry_type}})


@rule(TERMINAL, ALL_STATES, needs={Need.PARENT_FLOW_RUN})
def handle_task_terminal_state_transitions(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A finished task run may run again (its flow is retrying) unless it completed with a
    persisted result; it is never paused, crashed or cancelled.

    Running again resets its run count, so its own retries start over.
    """
    initial = ctx.initial
    assert initial is not None
    if proposed.type in _NOT_AFTER_TERMINAL:
        return abort(f"Run is already {initial.type.value}.")
    if initial.type is StateType.COMPLETED and initial.data and has_persisted_result(initial.data):
        return reject(None, "This run is already completed.")
    if proposed.is_terminal:
        return None
    state = None
    run = ctx.task_run
    if (
        proposed.type is StateType.RUNNING
        and run.flow_run_id is not None
        and ctx.parent_flow_run_run_count is not None
        and run.flow_run_run_count < ctx.parent_flow_run_run_count
    ):
        state = renamed(proposed, "Retrying")
    return accept(state, changes={"run_count": 0})


@rule(TERMINAL, TERMINAL)
def prevent_result_data_loss(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """Even forced, a COMPLETED flow run keeps its persisted result."""
    assert ctx.initial is not None
    if _loses_result(ctx.initial, proposed):
        return reject(None, _OVERWRITE_RESULT)
    return None
