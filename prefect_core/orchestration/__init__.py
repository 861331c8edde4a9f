"""The state machine: pure rules deciding what a proposed state transition becomes.

Nothing here awaits or touches storage. The service (`prefect_core.services.
orchestration`) loads a `TransitionContext` with what the governing policy's rules
`need`, calls the policy, writes what the returned `Decision` says, and hands its
declared `effects` to the effect dispatcher.

Policies (see `policies`): "core_flow", "core_task", "background_task",
"client_side_task", "minimal_flow", "minimal_task" and "mark_late". By default
`orchestrate` picks the one the reference picks: core, minimal when forced, and
background for deferred task proposals (forced or not).
"""

from __future__ import annotations

from prefect_core.orchestration.base import (
    CacheWrite,
    Decision,
    Effect,
    EnqueueTaskRun,
    FlowRunStateChanged,
    Outcome,
    Rule,
    RunKind,
    SetParentTaskRunState,
    TransitionContext,
)
from prefect_core.orchestration.engine import Policy, run_policy
from prefect_core.orchestration.needs import Need
from prefect_core.orchestration.policies import MARK_LATE, POLICIES, default_policy, resolve


def orchestrate(ctx: TransitionContext, policy: Policy | str | None = None) -> Decision:
    """Decide what `ctx.proposed` becomes, with `policy` (a `Policy`, a name from
    `POLICIES` or a short name like "background") or the reference's default choice.

    The decision carries the state to answer with, whether it must be written,
    the run columns to update and the effects to carry out.
    """
    return run_policy(resolve(policy, ctx), ctx)


def orchestrate_late(ctx: TransitionContext) -> Decision:
    """Decide a late-runs service proposal (a SCHEDULED state named "Late")."""
    return run_policy(MARK_LATE, ctx)


__all__ = [
    "POLICIES",
    "CacheWrite",
    "Decision",
    "Effect",
    "EnqueueTaskRun",
    "FlowRunStateChanged",
    "Need",
    "Outcome",
    "Policy",
    "Rule",
    "RunKind",
    "SetParentTaskRunState",
    "TransitionContext",
    "default_policy",
    "orchestrate",
    "orchestrate_late",
]
