"""Only one submitter may move a run to PENDING."""

from __future__ import annotations

import pytest

from tests.unit.orchestration_builders import S, ago, flow, flow_run, later, state, task

# (CANCELLING -> PENDING is refused earlier for flow runs: see the cancelling tests.)
ABORTS_FROM = [S.PENDING, S.RUNNING, S.CANCELLED]


@pytest.mark.parametrize("current", ABORTS_FROM)
def test_flow_run_cannot_go_back_to_pending(current):
    initial = state(current, at=ago(5))
    decision = flow(initial, state(S.PENDING), flow_run(initial, deployment_id=None))
    assert decision.status == "ABORT"
    assert decision.reason == f"This run is in a {current.name} state and cannot transition to a PENDING state."
    assert decision.state == initial
    assert not decision.writes_state


@pytest.mark.parametrize("current", [S.SCHEDULED, S.FAILED, S.CRASHED])
def test_flow_run_may_become_pending_from_other_states(current):
    initial = state(current, at=ago(5))
    decision = flow(initial, state(S.PENDING), flow_run(initial, run_count=1))
    assert decision.status == "ACCEPT"


@pytest.mark.parametrize("current", [S.PENDING, S.RUNNING, S.CANCELLING, S.CANCELLED])
def test_background_task_cannot_go_back_to_pending(current):
    initial = state(current, at=ago(5))
    decision = task(initial, state(S.PENDING, deferred=True))
    assert decision.status == "ABORT"
    assert decision.reason == f"This run is in a {current.name} state and cannot transition to a PENDING state."


def test_first_pending_state_is_accepted():
    assert flow(None, state(S.PENDING)).status == "ACCEPT"


def test_pending_to_a_named_pending_substep_carries_details_forward():
    lease = "6f1f0a9e-6a2b-4bd1-9f7b-0b3f3e3c1a11"
    initial = state(S.PENDING, at=ago(5), scheduled_time=later(10), deployment_concurrency_lease_id=lease)
    decision = flow(initial, state(S.PENDING, "Submitting"), flow_run(initial))
    assert decision.status == "ACCEPT"
    assert decision.state.name == "Submitting"
    assert decision.state.state_details.scheduled_time == later(10)
    assert str(decision.state.state_details.deployment_concurrency_lease_id) == lease


def test_pending_substep_may_not_go_back_to_plain_pending():
    initial = state(S.PENDING, "Submitting", at=ago(5))
    decision = flow(initial, state(S.PENDING), flow_run(initial))
    assert decision.status == "ABORT"


def test_same_pending_substep_twice_aborts():
    initial = state(S.PENDING, "Submitting", at=ago(5))
    assert flow(initial, state(S.PENDING, "Submitting"), flow_run(initial)).status == "ABORT"


def test_core_task_policy_lets_tasks_repeat_pending():
    initial = state(S.PENDING, at=ago(5))
    assert task(initial, state(S.PENDING)).status == "ACCEPT"


def test_forced_flow_transition_skips_the_guard():
    initial = state(S.RUNNING, at=ago(5))
    assert flow(initial, state(S.PENDING), flow_run(initial), force=True).status == "ACCEPT"
