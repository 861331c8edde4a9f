"""Finished runs: what may follow a terminal state."""

from __future__ import annotations

from uuid import uuid4

import pytest

from prefect_core.schemas.runs import FlowRunPolicy
from tests.unit.orchestration_builders import S, ago, flow, flow_run, persisted_result, state, task, task_run

TERMINAL = [S.COMPLETED, S.FAILED, S.CANCELLED, S.CRASHED]
FORBIDDEN_AFTER = [S.CANCELLING, S.PAUSED, S.CRASHED]
UNPERSISTED = {"type": "unpersisted"}


@pytest.mark.parametrize("current", TERMINAL)
@pytest.mark.parametrize("proposed", FORBIDDEN_AFTER)
def test_finished_flow_cannot_be_paused_crashed_or_cancelled(current, proposed):
    initial = state(current, at=ago(5))
    decision = flow(initial, state(proposed), flow_run(initial))
    assert decision.status == "ABORT"
    assert decision.reason == f"Run is already in terminal state {current.value}."
    assert decision.state == initial


@pytest.mark.parametrize("current", TERMINAL)
@pytest.mark.parametrize("proposed", FORBIDDEN_AFTER)
def test_finished_task_cannot_be_paused_crashed_or_cancelled(current, proposed):
    initial = state(current, at=ago(5))
    decision = task(initial, state(proposed))
    assert decision.status == "ABORT"
    assert decision.reason == f"Run is already {current.value}."


def test_completed_flow_with_persisted_result_is_not_rerun():
    initial = state(S.COMPLETED, at=ago(5), data=persisted_result())
    decision = flow(initial, state(S.RUNNING), flow_run(initial, run_count=1))
    assert decision.status == "REJECT"
    assert decision.reason == "Run is already COMPLETED."
    assert decision.state == initial
    assert not decision.writes_state


def test_completed_flow_persisted_result_is_not_overwritten_by_an_unpersisted_one():
    initial = state(S.COMPLETED, at=ago(5), data=persisted_result())
    decision = flow(initial, state(S.COMPLETED, data=UNPERSISTED), flow_run(initial, run_count=1))
    assert decision.status == "REJECT"
    assert decision.reason.startswith("Cannot overwrite a COMPLETED state that carries persisted result data")


def test_completed_flow_may_be_completed_again_with_a_persisted_result():
    initial = state(S.COMPLETED, at=ago(5), data=persisted_result())
    decision = flow(initial, state(S.COMPLETED, data=persisted_result()), flow_run(initial, run_count=1))
    assert decision.status == "ACCEPT"


def test_completed_flow_may_become_failed():
    initial = state(S.COMPLETED, at=ago(5), data=persisted_result())
    assert flow(initial, state(S.FAILED), flow_run(initial, run_count=1)).status == "ACCEPT"


def test_forced_completion_still_keeps_the_persisted_result():
    initial = state(S.COMPLETED, at=ago(5), data=persisted_result())
    decision = flow(initial, state(S.COMPLETED), flow_run(initial, run_count=1), force=True)
    assert decision.status == "REJECT"
    assert decision.reason.startswith("Cannot overwrite a COMPLETED state")


@pytest.mark.parametrize("data", [None, UNPERSISTED])
def test_completed_flow_without_persisted_result_may_rerun(data):
    initial = state(S.COMPLETED, at=ago(5), data=data)
    decision = flow(initial, state(S.RUNNING), flow_run(initial, run_count=1))
    assert decision.status == "ACCEPT"
    assert decision.run_updates["run_count"] == 2


def test_failed_flow_retried_by_hand_resets_pause_bookkeeping():
    initial = state(S.FAILED, at=ago(5))
    policy = FlowRunPolicy(pause_keys={"k"}, resuming=True, retry_type="in_process")
    run = flow_run(initial, run_count=1, empirical_policy=policy, end_time=ago(5), start_time=ago(9))
    decision = flow(initial, state(S.RUNNING), run)
    assert decision.status == "ACCEPT"
    updated = decision.run_updates["empirical_policy"]
    assert (updated["pause_keys"], updated["resuming"], updated["retry_type"]) == ([], False, None)
    # Resuming was reset before counting, so this is a new run.
    assert decision.run_updates["run_count"] == 2
    assert decision.run_updates["end_time"] is None


def test_finished_flow_is_rescheduled_only_with_a_deployment():
    initial = state(S.FAILED, at=ago(5))
    decision = flow(initial, state(S.SCHEDULED), flow_run(initial, run_count=1))
    assert decision.status == "ABORT"
    assert decision.reason == "Cannot reschedule a run without an associated deployment."


def test_finished_deployment_flow_is_rescheduled_as_a_reschedule_retry():
    initial = state(S.CRASHED, at=ago(5))
    run = flow_run(initial, run_count=1, deployment_id=uuid4())
    decision = flow(initial, state(S.SCHEDULED), run)
    assert decision.status == "ACCEPT"
    assert decision.run_updates["empirical_policy"]["retry_type"] == "reschedule"


def test_policy_reset_is_dropped_when_a_later_rule_refuses():
    initial = state(S.CANCELLED, at=ago(5))
    policy = FlowRunPolicy(pause_keys={"k"})
    decision = flow(initial, state(S.PENDING), flow_run(initial, empirical_policy=policy))
    assert decision.status == "ABORT"  # CANCELLED -> PENDING is refused
    assert decision.run_updates == {}


def test_terminal_to_terminal_leaves_the_policy_alone():
    initial = state(S.FAILED, at=ago(5))
    policy = FlowRunPolicy(retry_type="in_process")
    decision = flow(initial, state(S.COMPLETED), flow_run(initial, empirical_policy=policy, end_time=ago(5)))
    assert decision.status == "ACCEPT"
    assert "empirical_policy" not in decision.run_updates


def test_completed_task_with_persisted_result_is_final():
    initial = state(S.COMPLETED, at=ago(5), data=persisted_result())
    for proposed in (S.RUNNING, S.FAILED, S.COMPLETED):
        decision = task(initial, state(proposed))
        assert decision.status == "REJECT"
        assert decision.reason == "This run is already completed."
        assert decision.state == initial


def test_failed_task_reruns_with_its_retries_reset():
    initial = state(S.FAILED, at=ago(5))
    flow_run_id = uuid4()
    run = task_run(initial, flow_run_id=flow_run_id, run_count=3, flow_run_run_count=1)
    decision = task(initial, state(S.RUNNING), run, parent_flow_run_state=state(S.RUNNING), parent_flow_run_run_count=1)
    assert decision.status == "ACCEPT"
    assert decision.run_updates["run_count"] == 1
    assert decision.state.name == "Running"


def test_task_rerun_by_a_retrying_flow_is_named_retrying():
    initial = state(S.FAILED, at=ago(5))
    run = task_run(initial, flow_run_id=uuid4(), run_count=2, flow_run_run_count=1)
    decision = task(initial, state(S.RUNNING), run, parent_flow_run_state=state(S.RUNNING), parent_flow_run_run_count=2)
    assert decision.status == "ACCEPT"
    assert decision.state.name == "Retrying"
    assert decision.run_updates["run_count"] == 1
    assert decision.run_updates["flow_run_run_count"] == 2


def test_task_run_count_reset_is_dropped_when_the_transition_changes():
    initial = state(S.FAILED, at=ago(5))
    run = task_run(initial, flow_run_id=uuid4(), run_count=3)
    paused = state(S.PAUSED, at=ago(1))
    decision = task(initial, state(S.RUNNING), run, parent_flow_run_state=paused, parent_flow_run_run_count=1)
    assert decision.status == "REJECT"
    assert decision.state.name == "NotReady"
    assert "run_count" not in decision.run_updates


def test_task_moving_between_terminal_states_keeps_its_run_count():
    initial = state(S.FAILED, at=ago(5))
    decision = task(
        initial, state(S.COMPLETED), task_run(initial, run_count=3, end_time=ago(5), expected_start_time=ago(9))
    )
    assert decision.status == "ACCEPT"
    assert decision.run_updates == {}
