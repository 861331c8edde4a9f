"""Rules that turn failures into retries, and name the reruns."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from prefect_core.orchestration.base import (
    ALL_STATES,
    Outcome,
    TransitionContext,
    accept,
    new_state,
    reject,
    renamed,
    rule,
)
from prefect_core.schemas.states import State, StateType

AWAITING_RETRY = "AwaitingRetry"

#: Source of uniform samples in [0, 1) for retry jitter; tests may replace it.
uniform: Callable[[], float] = random.random


def _awaiting_retry(ctx: TransitionContext, proposed: State, delay_seconds: float, **details: Any) -> State:
    return new_state(
        StateType.SCHEDULED,
        ctx.now,
        name=AWAITING_RETRY,
        message=proposed.message,
        data=proposed.data,
        scheduled_time=ctx.now + dt.timedelta(seconds=delay_seconds),
        **details,
    )


@rule({StateType.RUNNING}, {StateType.FAILED})
def retry_failed_flows(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A flow run that fails with retries left is rescheduled as `AwaitingRetry` after its
    retry delay, to retry in the same process; its pause bookkeeping starts over."""
    run = ctx.flow_run
    retries = run.empirical_policy.retries
    if retries is None or run.run_count > retries:
        # Out of retries; clearing the retry type leaves room for a manual retry later.
        return accept(changes={"empirical_policy": {"retry_type": None}})
    assert ctx.initial is not None
    retry = _awaiting_retry(
        ctx,
        proposed,
        run.empirical_policy.retry_delay or 0,
        deployment_concurrency_lease_id=ctx.initial.state_details.deployment_concurrency_lease_id,
    )
    policy = {"resuming": False, "pause_keys": set(), "retry_type": "in_process"}
    return reject(retry, "Retrying", changes={"empirical_policy": policy})


@rule({StateType.RUNNING}, {StateType.FAILED})
def retry_failed_tasks(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A task run that fails with retries left, and that the client did not mark as not
    retriable, is rescheduled as `AwaitingRetry` after its (possibly jittered) delay."""
    run = ctx.task_run
    policy = run.empirical_policy
    if proposed.state_details.retriable is False:
        return None
    if policy.retries is None or run.run_count > policy.retries:
        return None
    delay = retry_delay(policy.retry_delay, run.run_count)
    if policy.retry_jitter_factor and policy.retry_jitter_factor > 0 and delay > 0:
        delay = jittered(delay, policy.retry_jitter_factor, uniform())
    return reject(_awaiting_retry(ctx, proposed, delay), "Retrying")


def retry_delay(configured: float | Sequence[float] | None, run_count: int) -> float:
    """The delay before retry number `run_count`: a list gives one delay per attempt,
    its last entry repeating once attempts outnumber it."""
    if configured is None or isinstance(configured, int | float):
        return configured or 0
    if not configured:
        return 0
    # Mirrors the reference's indexing, where a run count of 0 picks the last entry.
    return configured[min(run_count - 1, len(configured) - 1)]


def jittered(average: float, factor: float, sample: float) -> float:
    """A delay drawn from an exponential distribution with mean `average`, clamped to at
    most `average * (1 + factor)` and to a lower bound that keeps the median at `average`.

    `sample` is a uniform draw in [0, 1); the same sample always gives the same delay.
    """
    if average <= 0:
        return 0.0
    upper_multiple = 1 + factor
    if upper_multiple >= 50:
        lower_multiple = 0.0
    else:
        # Equal probability mass between the bounds on either side of the median.
        lower_multiple = math.log2(2**upper_multiple / (2**upper_multiple - 1))
    lower, upper = average * max(lower_multiple, 0.0), average * upper_multiple

    def cdf(x: float) -> float:
        return 1 - math.exp(-x / average)

    u = cdf(lower) + sample * (cdf(upper) - cdf(lower))
    return -math.log(max(1 - u, 1e-10)) * average


@rule(ALL_STATES, {StateType.RUNNING})
def rename_reruns(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A task run that has run before starts again as "Retrying" (after `AwaitingRetry`)
    or "Rerunning" (otherwise)."""
    if ctx.initial is None or ctx.run.run_count <= 0:
        return None
    name = "Retrying" if ctx.initial.name == AWAITING_RETRY else "Rerunning"
    return accept(renamed(proposed, name))
