"""The ordered policies, and which one governs a transition.

Order matters: e.g. a cached completion is found before a terminal task is
protected, and retries are considered only once the scheduled time is checked.
Deployment concurrency (leased slots of a global limit) is in; tag concurrency rules
are not (the client's task engine takes tag leases itself), and their places are marked.
"""

from __future__ import annotations

from prefect_core.orchestration.base import RunKind, TransitionContext
from prefect_core.orchestration.engine import Policy
from prefect_core.orchestration.rules.cache import cache_insertion, cache_retrieval
from prefect_core.orchestration.rules.cancelling import (
    bypass_cancelling_flow_runs_with_no_infra,
    enforce_cancelling_to_cancelled_transition,
)
from prefect_core.orchestration.rules.concurrency import (
    cancel_late_runs_of_full_deployments,
    secure_deployment_slot,
    validate_deployment_lease_at_running,
)
from prefect_core.orchestration.rules.guards import (
    ensure_only_scheduled_flows_marked_late,
    prevent_duplicate_transitions,
    prevent_pending_transitions,
)
from prefect_core.orchestration.rules.pause import (
    handle_pausing_flows,
    handle_resuming_paused_flows,
    prevent_running_tasks_from_stopped_flows,
)
from prefect_core.orchestration.rules.retries import rename_reruns, retry_failed_flows, retry_failed_tasks
from prefect_core.orchestration.rules.scheduling import (
    copy_scheduled_time,
    copy_task_parameters_id,
    wait_for_scheduled_time,
)
from prefect_core.orchestration.rules.terminal import (
    handle_flow_terminal_state_transitions,
    handle_task_terminal_state_transitions,
    prevent_result_data_loss,
)
from prefect_core.orchestration.rules.tracking import enqueue_scheduled_tasks, update_flow_run_tracker_on_tasks

CORE_FLOW = Policy(
    "core_flow",
    RunKind.FLOW,
    (
        # (the deployment lease id is carried from state to state by the bookkeeping)
        prevent_duplicate_transitions,
        handle_flow_terminal_state_transitions,
        enforce_cancelling_to_cancelled_transition,
        bypass_cancelling_flow_runs_with_no_infra,
        prevent_pending_transitions,
        validate_deployment_lease_at_running,
        secure_deployment_slot,
        # (leases of clients too old to renew them are not dropped: such clients are not served)
        ensure_only_scheduled_flows_marked_late,
        handle_pausing_flows,
        handle_resuming_paused_flows,
        copy_scheduled_time,
        wait_for_scheduled_time,
        retry_failed_flows,
        # The deployment lease is released by the bookkeeping when the written state
        # leaves RUNNING/CANCELLING/PENDING (whatever the policy, as the reference's
        # universal transform does).
    ),
    announces_flow_run_states=True,
)

CORE_TASK = Policy(
    "core_task",
    RunKind.TASK,
    (
        cache_retrieval,
        handle_task_terminal_state_transitions,
        prevent_running_tasks_from_stopped_flows,
        # concurrency: secure tag slots (after the cache, so cache hits never wait)
        copy_scheduled_time,
        wait_for_scheduled_time,
        retry_failed_tasks,
        rename_reruns,
        update_flow_run_tracker_on_tasks,
        cache_insertion,
        # concurrency: release tag slots when leaving RUNNING/CANCELLING
    ),
)

#: The core task policy without tag concurrency (the reference defines it; its
#: server never picks it). Identical to CORE_TASK until concurrency rules exist.
CLIENT_SIDE_TASK = Policy("client_side_task", RunKind.TASK, CORE_TASK.rules)

#: For deferred (background) task runs, even forced ones.
BACKGROUND_TASK = Policy(
    "background_task",
    RunKind.TASK,
    (
        prevent_pending_transitions,
        cache_retrieval,
        handle_task_terminal_state_transitions,
        copy_scheduled_time,
        copy_task_parameters_id,
        wait_for_scheduled_time,
        retry_failed_tasks,
        rename_reruns,
        update_flow_run_tracker_on_tasks,
        cache_insertion,
        # concurrency: release tag slots
        enqueue_scheduled_tasks,
    ),
)

#: Forced flow transitions: only what protects results and skips needless cancelling.
MINIMAL_FLOW = Policy(
    "minimal_flow",
    RunKind.FLOW,
    (prevent_result_data_loss, bypass_cancelling_flow_runs_with_no_infra),
    announces_flow_run_states=True,
)

#: Forced task transitions: bookkeeping only.
MINIMAL_TASK = Policy("minimal_task", RunKind.TASK, ())

#: Used by the late-runs service to mark SCHEDULED flow runs "Late".
MARK_LATE = Policy(
    "mark_late",
    RunKind.FLOW,
    (
        ensure_only_scheduled_flows_marked_late,
        cancel_late_runs_of_full_deployments,
    ),
    announces_flow_run_states=True,
)

POLICIES: dict[str, Policy] = {
    p.name: p for p in (CORE_FLOW, CORE_TASK, CLIENT_SIDE_TASK, BACKGROUND_TASK, MINIMAL_FLOW, MINIMAL_TASK, MARK_LATE)
}


def default_policy(ctx: TransitionContext) -> Policy:
    """The policy the reference applies to `ctx`.

    Flow runs: core, or minimal when forced. Task runs: background when the proposal
    is deferred (forced or not), else core, or minimal when forced.
    """
    if ctx.kind is RunKind.FLOW:
        return MINIMAL_FLOW if ctx.force else CORE_FLOW
    if ctx.proposed.state_details.deferred:
        return BACKGROUND_TASK
    return MINIMAL_TASK if ctx.force else CORE_TASK


def resolve(policy: Policy | str | None, ctx: TransitionContext) -> Policy:
    """A policy given by object or name, or the default for `ctx`.

    Names are the `POLICIES` keys; a short name ("core", "minimal", "background",
    "client_side") picks the variant for `ctx.kind`.
    """
    if policy is None:
        return default_policy(ctx)
    if isinstance(policy, Policy):
        return policy
    # Short names ("core", "minimal", "background") mean the variant for ctx's kind.
    found = POLICIES.get(policy) or POLICIES.get(f"{policy}_{ctx.kind.value}")
    if found is None:
        raise ValueError(f"Unknown orchestration policy {policy!r}; known: {', '.join(sorted(POLICIES))}")
    return found
