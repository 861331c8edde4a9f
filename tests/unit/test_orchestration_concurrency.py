"""Deployment concurrency limits: the pure rules, fed the limit the service would read, and
the leases they declare (taken at PENDING, renewed at RUNNING, carried and given back by
the bookkeeping)."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

import pytest

from prefect_core.orchestration import Need, orchestrate, orchestrate_late
from prefect_core.orchestration.effects import (
    FlowRunStateChanged,
    LeaseDeploymentSlot,
    ReleaseDeploymentLease,
    RenewDeploymentLease,
)
from prefect_core.orchestration.policies import CORE_FLOW, MARK_LATE, MINIMAL_FLOW
from prefect_core.schemas.deployments import DeploymentConcurrency
from prefect_core.schemas.states import State, StateDetails
from tests.unit.orchestration_builders import NOW, S, ago, flow, flow_ctx, flow_run, later, persisted_result, state

DEPLOYMENT = uuid4()


LIMIT_ID = uuid4()


def slots(active: int, limit: int = 1, strategy: str = "ENQUEUE") -> DeploymentConcurrency:
    return DeploymentConcurrency(limit=limit, collision_strategy=strategy, active_slots=active, limit_id=LIMIT_ID)


def run_of_deployment(initial: State | None, **fields):
    return flow_run(initial, deployment_id=DEPLOYMENT, **fields)


def propose_pending(concurrency: DeploymentConcurrency | None, initial: State | None = None, **kwargs):
    initial = initial or state(S.SCHEDULED, at=ago(5), scheduled_time=ago(1))
    return flow(initial, state(S.PENDING), run_of_deployment(initial), deployment_concurrency=concurrency, **kwargs)


# --- taking a slot at PENDING --------------------------------------------------


@pytest.mark.parametrize("active,limit", [(0, 1), (1, 2), (4, 5)])
def test_a_free_slot_lets_the_run_become_pending(active, limit):
    decision = propose_pending(slots(active, limit))
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.PENDING
    # The slot is leased: the state names the lease, an effect takes it.
    lease_id = decision.state.state_details.deployment_concurrency_lease_id
    assert lease_id is not None
    [taken] = [e for e in decision.effects if isinstance(e, LeaseDeploymentSlot)]
    assert taken.lease_id == lease_id and taken.limit_id == LIMIT_ID and taken.lease_seconds == 300.0


def test_no_limit_means_no_opinion():
    assert propose_pending(None).status == "ACCEPT"


@pytest.mark.parametrize("active,limit", [(1, 1), (2, 2), (3, 2)])
def test_enqueue_puts_the_run_back_to_wait_for_a_slot(active, limit):
    decision = propose_pending(slots(active, limit, "ENQUEUE"))
    assert decision.status == "REJECT"
    assert decision.reason == "Deployment concurrency limit reached."
    assert decision.writes_state
    waiting = decision.state
    assert waiting.type is S.SCHEDULED and waiting.name == "AwaitingConcurrencySlot"
    assert waiting.state_details.scheduled_time == later(30)
    assert waiting.state_details.flow_run_id is not None
    # The run is due again when the wait is over.
    assert decision.run_updates["next_scheduled_start_time"] == later(30)


def test_the_wait_is_the_contexts():
    decision = propose_pending(slots(1), deployment_slot_wait_seconds=2.5)
    assert decision.state.state_details.scheduled_time == NOW + dt.timedelta(seconds=2.5)


def test_cancel_new_cancels_the_run():
    decision = propose_pending(slots(1, 1, "CANCEL_NEW"))
    assert decision.status == "REJECT"
    assert decision.reason == "Deployment concurrency limit reached."
    assert decision.writes_state
    assert decision.state.type is S.CANCELLED
    assert decision.state.message == "Deployment concurrency limit reached."
    assert decision.run_updates["end_time"] == decision.state.timestamp


def test_a_limit_of_zero_aborts():
    decision = propose_pending(slots(0, 0))
    assert decision.status == "ABORT"
    assert decision.reason == "The deployment concurrency limit is 0. The flow will deadlock if submitted again."


def test_the_rejection_is_announced_as_a_state_change():
    decision = propose_pending(slots(1))
    assert [type(e).__name__ for e in decision.effects] == ["FlowRunStateChanged"]


def test_a_run_without_a_deployment_is_not_limited():
    initial = state(S.SCHEDULED, at=ago(5))
    decision = flow(initial, state(S.PENDING), flow_run(initial), deployment_concurrency=slots(1))
    assert decision.status == "ACCEPT"


@pytest.mark.parametrize("current", [S.COMPLETED, S.FAILED, S.CRASHED])
def test_a_rerun_from_a_terminal_state_needs_a_slot_too(current):
    initial = state(current, at=ago(5))
    decision = propose_pending(slots(1), initial=initial)
    assert decision.status == "REJECT" and decision.state.name == "AwaitingConcurrencySlot"
    # The terminal rule's policy reset fizzles with the transition it let through.
    assert "empirical_policy" not in decision.run_updates


def test_a_completed_run_with_a_result_is_refused_before_any_slot_is_counted():
    initial = state(S.COMPLETED, at=ago(5), data=persisted_result())
    decision = propose_pending(slots(1), initial=initial)
    assert decision.status == "REJECT" and decision.reason == "Run is already COMPLETED."
    assert not decision.writes_state


@pytest.mark.parametrize("current,status", [(S.RUNNING, "ABORT"), (S.CANCELLING, "REJECT")])
def test_runs_already_holding_a_slot_are_refused_pending_as_before(current, status):
    initial = state(current, at=ago(5))
    decision = propose_pending(slots(5), initial=initial)
    assert decision.status == status and not decision.writes_state
    assert decision.state == initial


def test_a_pending_substep_keeps_its_slot():
    initial = state(S.PENDING, at=ago(5))
    decision = flow(
        initial, state(S.PENDING, "Submitting"), run_of_deployment(initial), deployment_concurrency=slots(3)
    )
    assert decision.status == "ACCEPT" and decision.state.name == "Submitting"


def test_forced_proposals_skip_the_limit():
    decision = propose_pending(slots(1), force=True)
    assert decision.status == "ACCEPT"


def test_other_transitions_ignore_the_limit():
    initial = state(S.PENDING, at=ago(5))
    decision = flow(initial, state(S.RUNNING), run_of_deployment(initial), deployment_concurrency=slots(9))
    assert decision.status == "ACCEPT"
    assert not [e for e in decision.effects if not isinstance(e, FlowRunStateChanged)]


# --- the lease at RUNNING and after ---------------------------------------------------

LEASE = uuid4()


def start(alive: bool | None, concurrency: DeploymentConcurrency | None):
    initial = state(S.PENDING, at=ago(5), deployment_concurrency_lease_id=str(LEASE))
    return flow(
        initial,
        state(S.RUNNING),
        run_of_deployment(initial),
        deployment_concurrency=concurrency,
        deployment_lease_alive=alive,
    )


def test_a_live_lease_is_kept_and_renewed_at_running():
    decision = start(True, slots(1, 1))
    assert decision.status == "ACCEPT"
    assert decision.state.state_details.deployment_concurrency_lease_id == LEASE
    assert RenewDeploymentLease(LEASE, 300.0) in decision.effects


def test_a_lost_lease_is_taken_again_when_a_slot_is_free():
    decision = start(False, slots(0, 1))
    assert decision.status == "ACCEPT"
    new_lease = decision.state.state_details.deployment_concurrency_lease_id
    assert new_lease not in (None, LEASE)
    assert [e.lease_id for e in decision.effects if isinstance(e, LeaseDeploymentSlot)] == [new_lease]


def test_a_lost_lease_without_a_free_slot_cancels_the_run():
    decision = start(False, slots(1, 1))
    assert decision.status == "REJECT" and decision.state.type is S.CANCELLED
    assert decision.reason == "Deployment concurrency limit reached after lease expiry."
    # the old lease is given back (a no-op when it is gone): nothing leaks
    assert ReleaseDeploymentLease(LEASE) in decision.effects


def test_a_lease_whose_limit_was_removed_is_carried_along():
    decision = start(None, None)
    assert decision.status == "ACCEPT"
    assert decision.state.state_details.deployment_concurrency_lease_id == LEASE


@pytest.mark.parametrize(
    "current,proposed,released",
    [
        (S.RUNNING, S.COMPLETED, True),
        (S.RUNNING, S.FAILED, True),
        (S.RUNNING, S.CRASHED, True),
        (S.CANCELLING, S.CANCELLED, True),
        (S.PENDING, S.SCHEDULED, True),
        (S.RUNNING, S.PAUSED, True),
        (S.RUNNING, S.CANCELLING, False),
        (S.PENDING, S.CANCELLING, False),
    ],
)
def test_leaving_the_holding_states_gives_the_lease_back(current, proposed, released):
    initial = state(current, at=ago(5), deployment_concurrency_lease_id=str(LEASE))
    decision = flow(initial, state(proposed), run_of_deployment(initial))
    assert decision.writes_state
    assert (ReleaseDeploymentLease(LEASE) in decision.effects) is released
    carried = decision.state.state_details.deployment_concurrency_lease_id
    assert carried == (None if released else LEASE)


def test_forced_terminal_states_give_the_lease_back_too():
    initial = state(S.RUNNING, at=ago(5), deployment_concurrency_lease_id=str(LEASE))
    decision = flow(initial, state(S.CANCELLED), run_of_deployment(initial), force=True)
    assert ReleaseDeploymentLease(LEASE) in decision.effects


# --- the late-runs policy --------------------------------------------------------


def mark_late(concurrency: DeploymentConcurrency | None):
    initial = state(S.SCHEDULED, at=ago(60), scheduled_time=ago(30))
    late = State(type=S.SCHEDULED, name="Late", state_details=StateDetails(scheduled_time=ago(30)))
    return orchestrate_late(flow_ctx(initial, late, run_of_deployment(initial), deployment_concurrency=concurrency))


def test_a_late_run_of_a_full_cancel_new_deployment_is_cancelled():
    decision = mark_late(slots(2, 2, "CANCEL_NEW"))
    assert decision.status == "REJECT"
    assert decision.reason == "Deployment concurrency limit is full and uses the CANCEL_NEW strategy."
    assert decision.state.type is S.CANCELLED
    assert decision.state.message == "Deployment concurrency limit reached."


@pytest.mark.parametrize("concurrency", [None, slots(1, 2, "CANCEL_NEW"), slots(2, 2, "ENQUEUE")])
def test_otherwise_a_late_run_is_just_late(concurrency):
    decision = mark_late(concurrency)
    assert decision.status == "ACCEPT" and decision.state.name == "Late"


# --- when the service must count -------------------------------------------------


@pytest.mark.parametrize(
    "initial,proposed,expected",
    [
        (S.SCHEDULED, S.PENDING, True),
        (None, S.PENDING, True),
        (S.COMPLETED, S.PENDING, True),
        (S.PAUSED, S.PENDING, True),
        (S.PENDING, S.PENDING, False),
        (S.RUNNING, S.PENDING, False),
        (S.PENDING, S.RUNNING, True),  # the lease is checked (read only for runs holding one)
        (S.RUNNING, S.COMPLETED, False),
        (S.SCHEDULED, S.SCHEDULED, False),
    ],
)
def test_the_core_policy_needs_the_limit_only_to_take_or_check_a_slot(initial, proposed, expected):
    current = state(initial, at=ago(5)) if initial else None
    ctx = flow_ctx(current, state(proposed), run_of_deployment(current))
    assert (Need.DEPLOYMENT_SLOTS in CORE_FLOW.needs(ctx)) is expected
    # Forced proposals go through the minimal policy, which never counts.
    assert Need.DEPLOYMENT_SLOTS not in MINIMAL_FLOW.needs(ctx)


def test_marking_late_needs_the_slots():
    current = state(S.SCHEDULED, at=ago(5))
    ctx = flow_ctx(current, state(S.SCHEDULED, "Late"), run_of_deployment(current))
    assert MARK_LATE.needs(ctx) == {Need.DEPLOYMENT_SLOTS}
    assert MARK_LATE.needs(flow_ctx(state(S.PENDING), state(S.SCHEDULED, "Late"))) == frozenset()


def test_the_core_policy_is_the_default():
    initial = state(S.SCHEDULED, at=ago(5))
    ctx = flow_ctx(initial, state(S.PENDING), run_of_deployment(initial), deployment_concurrency=slots(1))
    assert orchestrate(ctx).state.name == "AwaitingConcurrencySlot"
