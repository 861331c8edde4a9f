"""Rules about when a scheduled run may start."""

from __future__ import annotations

import datetime as dt
import math

from prefect_core.orchestration.base import Outcome, TransitionContext, accept, rule, wait, with_details
from prefect_core.schemas.states import State, StateType


@rule({StateType.SCHEDULED}, {StateType.PENDING})
def copy_scheduled_time(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A PENDING state keeps the scheduled time of the SCHEDULED state before it,
    unless it names its own."""
    assert ctx.initial is not None
    if proposed.state_details.scheduled_time:
        return None
    return accept(with_details(proposed, scheduled_time=ctx.initial.state_details.scheduled_time))


@rule({StateType.SCHEDULED, StateType.PENDING}, {StateType.RUNNING})
def wait_for_scheduled_time(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A run may not start before its scheduled time (by the server's clock): the
    client is told to wait, in whole seconds, and propose again."""
    assert ctx.initial is not None
    scheduled_time = ctx.initial.state_details.scheduled_time
    if not scheduled_time:
        return None
    delay_seconds = whole_seconds_until(scheduled_time - ctx.now)
    if delay_seconds > 0:
        return wait(delay_seconds, "Scheduled time is in the future")
    return None


def whole_seconds_until(delay: dt.timedelta) -> int:
    """A delay rounded to whole seconds the way the reference does it: the floor of
    the delay plus its microsecond part rounded (so 1.6s -> 2, -0.4s -> 0)."""
    return math.floor(delay.total_seconds()) + round(delay.microseconds / 1e6)


@rule({StateType.SCHEDULED, StateType.PENDING}, {StateType.PENDING, StateType.RUNNING})
def copy_task_parameters_id(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A background task's stored parameters follow it from SCHEDULED to PENDING to
    RUNNING, unless the proposal names its own."""
    assert ctx.initial is not None
    if proposed.state_details.task_parameters_id:
        return None
    return accept(with_details(proposed, task_parameters_id=ctx.initial.state_details.task_parameters_id))
