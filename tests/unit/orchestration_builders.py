"""Small builders for orchestration contexts: runs, states and transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID, uuid4

from prefect_core.orchestration import Decision, RunKind, TransitionContext, orchestrate
from prefect_core.schemas.runs import FlowRun, FlowRunPolicy, TaskRun, TaskRunPolicy
from prefect_core.schemas.states import State, StateDetails, StateType

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)

S = StateType


def ago(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(seconds=seconds)


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def state(
    type: StateType,
    name: str | None = None,
    *,
    at: dt.datetime | None = None,
    data: Any = None,
    message: str | None = None,
    **details: Any,
) -> State:
    """A state of `type`; keyword arguments beyond these go to its state_details."""
    return State(
        type=type,
        name=name,
        timestamp=at or NOW,
        data=data,
        message=message,
        state_details=StateDetails(**details),
    )


def flow_run(
    current: State | None = None,
    *,
    retries: int | None = None,
    retry_delay: int | None = None,
    **fields: Any,
) -> FlowRun:
    policy = fields.pop("empirical_policy", None) or FlowRunPolicy(retries=retries, retry_delay=retry_delay)
    return FlowRun(flow_id=uuid4(), state=current, empirical_policy=policy, **fields)


def task_run(
    current: State | None = None,
    *,
    flow_run_id: UUID | None = None,
    retries: int | None = None,
    retry_delay: Any = None,
    retry_jitter_factor: float | None = None,
    **fields: Any,
) -> TaskRun:
    policy = TaskRunPolicy(retries=retries, retry_delay=retry_delay, retry_jitter_factor=retry_jitter_factor)
    return TaskRun(
        task_key="my-task",
        dynamic_key="0",
        flow_run_id=flow_run_id,
        state=current,
        empirical_policy=policy,
        **fields,
    )


def flow_ctx(initial: State | None, proposed: State, run: FlowRun | None = None, **kwargs: Any) -> TransitionContext:
    run = run or flow_run(initial)
    return TransitionContext(kind=RunKind.FLOW, run=run, initial=initial, proposed=proposed, now=NOW, **kwargs)


def task_ctx(initial: State | None, proposed: State, run: TaskRun | None = None, **kwargs: Any) -> TransitionContext:
    run = run or task_run(initial)
    return TransitionContext(kind=RunKind.TASK, run=run, initial=initial, proposed=proposed, now=NOW, **kwargs)


def flow(initial: State | None, proposed: State, run: FlowRun | None = None, **kwargs: Any) -> Decision:
    """Orchestrate a flow run transition."""
    return orchestrate(flow_ctx(initial, proposed, run, **kwargs))


def task(initial: State | None, proposed: State, run: TaskRun | None = None, **kwargs: Any) -> Decision:
    """Orchestrate a task run transition, in a running flow unless told otherwise."""
    if run is None and "parent_flow_run_state" not in kwargs:
        run = task_run(initial, flow_run_id=uuid4())
        kwargs.setdefault("parent_flow_run_state", state(S.RUNNING))
        kwargs.setdefault("parent_flow_run_run_count", 1)
    return orchestrate(task_ctx(initial, proposed, run, **kwargs))


def persisted_result() -> dict[str, Any]:
    """State data as the client sends it for a persisted result."""
    return {"storage_key": "/results/abc", "serializer": {"type": "pickle"}, "storage_block_id": None}
