"""The bookkeeping every written state gets, whatever policy decided it.

This is the reference's "global policy": it never changes the outcome, only
records on the run what the new state means (start and end times, time spent
running, run counts, expected start) and points the state at its run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect_core.orchestration.base import RunKind, TransitionContext, with_details
from prefect_core.orchestration.effects import Effect, ReleaseDeploymentLease, SetParentTaskRunState
from prefect_core.run_facts import holds_deployment_slot
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State, StateType

_ONE_MICROSECOND = dt.timedelta(microseconds=1)


def apply(ctx: TransitionContext, run: Any, state: State) -> tuple[State, FlowRun | TaskRun, list[Effect]]:
    """Record `state` (about to be written) on `run`.

    Returns the state as it will be written, the run with its bookkeeping
    columns updated, and the effects the write entails.
    """
    initial = ctx.initial
    if ctx.kind is RunKind.FLOW:
        state = _unique_timestamp(initial, state)
    state = _point_at_run(ctx.kind, run, state)
    updates = _timing(run, initial, state)
    effects: list[Effect] = []
    if ctx.kind is RunKind.FLOW:
        state, lease_effects = deployment_lease(initial, run, state)
        effects.extend(lease_effects)
        updates.update(_flow_counts(run, state))
        if run.parent_task_run_id is not None:
            # A subflow's parent task mirrors the subflow's state.
            mirrored = state.fresh_copy(timestamp=ctx.now)
            mirrored.state_details.child_flow_run_id = run.id
            effects.append(SetParentTaskRunState(run.parent_task_run_id, mirrored))
    elif state.type is StateType.RUNNING:
        updates["run_count"] = run.run_count + 1
    return state, run.model_copy(update=updates), effects


def deployment_lease(initial: State | None, run: FlowRun, state: State) -> tuple[State, list[Effect]]:
    """A run holding a deployment lease (named by its current state) keeps it while the new
    state still holds the slot (PENDING, RUNNING, CANCELLING, an in-process retry wait): the
    new state names it too. Any other state gives it back."""
    lease_id = initial.state_details.deployment_concurrency_lease_id if initial is not None else None
    if lease_id is None:
        return state, []
    if holds_deployment_slot(state.type, state.name, run.empirical_policy.retry_type):
        if state.state_details.deployment_concurrency_lease_id is None:
            state = with_details(state, deployment_concurrency_lease_id=lease_id)
        return state, []
    return state, [ReleaseDeploymentLease(lease_id)]


def _unique_timestamp(initial: State | None, state: State) -> State:
    # Two states of one flow run may not share a timestamp. Storage is the only
    # place that sees all of them; the state being replaced is the usual clash.
    if initial is not None and state.timestamp == initial.timestamp:
        return state.model_copy(update={"timestamp": state.timestamp + _ONE_MICROSECOND})
    return state


def _point_at_run(kind: RunKind, run: Any, state: State) -> State:
    if kind is RunKind.TASK:
        return with_details(state, flow_run_id=run.flow_run_id, task_run_id=run.id)
    details: dict[str, Any] = {"flow_run_id": run.id}
    if run.parent_task_run_id is not None:
        details["task_run_id"] = run.parent_task_run_id
    return with_details(state, **details)


def _timing(run: Any, initial: State | None, state: State) -> dict[str, Any]:
    stamp = state.timestamp
    start, end = run.start_time, run.end_time
    if state.type is StateType.RUNNING and start is None:
        start = stamp
    if initial is not None and initial.is_terminal and not state.is_terminal:
        end = None
    if state.is_terminal and not end:
        # Runs that fail before they ever run still get a start time.
        start = start or stamp
        end = stamp

    total = run.total_run_time
    if initial is not None and initial.type is StateType.RUNNING:
        total += (stamp - initial.timestamp).total_seconds()

    expected = run.expected_start_time
    if not expected:
        expected = state.state_details.scheduled_time if state.type is StateType.SCHEDULED else stamp

    next_start = run.next_scheduled_start_time
    if initial is not None and initial.type is StateType.SCHEDULED:
        next_start = None
    if state.type is StateType.SCHEDULED:
        next_start = state.state_details.scheduled_time

    return {
        "start_time": start,
        "end_time": end,
        "total_run_time": total,
        "expected_start_time": expected,
        "next_scheduled_start_time": next_start,
    }


def _flow_counts(run: FlowRun, state: State) -> dict[str, Any]:
    updates: dict[str, Any] = {}
    resuming = bool(run.empirical_policy.resuming)
    # A flow resuming from a pause carries on its current attempt: not a new run.
    if state.type is StateType.RUNNING and not resuming:
        updates["run_count"] = run.run_count + 1
    if resuming and (state.type is StateType.RUNNING or state.is_terminal):
        updates["empirical_policy"] = run.empirical_policy.model_copy(update={"resuming": False})
    return updates
