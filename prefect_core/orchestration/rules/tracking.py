"""Rules that record where a task run stands relative to its flow, or queue it."""

from __future__ import annotations

from prefect_core.orchestration.base import ALL_STATES, EnqueueTaskRun, Outcome, TransitionContext, accept, rule
from prefect_core.orchestration.needs import Need
from prefect_core.orchestration.rules.retries import AWAITING_RETRY
from prefect_core.schemas.states import State, StateType


@rule(ALL_STATES, {StateType.RUNNING}, needs={Need.PARENT_FLOW_RUN})
def update_flow_run_tracker_on_tasks(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A task run that starts records which attempt of its flow run it belongs to
    (`flow_run_run_count`), so a later flow retry can tell it is re-running."""
    if ctx.task_run.flow_run_id is None or ctx.parent_flow_run_run_count is None:
        return None
    return accept(after_changes={"flow_run_run_count": ctx.parent_flow_run_run_count})


@rule(ALL_STATES, {StateType.SCHEDULED})
def enqueue_scheduled_tasks(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A deferred (background) task run that is scheduled goes onto its task queue."""
    if not proposed.state_details.deferred:
        return None
    run = ctx.task_run
    effect = EnqueueTaskRun(run.id, run.task_key, retry=proposed.name == AWAITING_RETRY)
    return accept(effects=(effect,))
