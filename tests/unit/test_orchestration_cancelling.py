"""Cancelling: only CANCELLED follows CANCELLING; runs with nothing to tear down skip it."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.unit.orchestration_builders import NOW, S, ago, flow, flow_run, later, state, task

NOT_CANCELLED = [S.SCHEDULED, S.PENDING, S.RUNNING, S.COMPLETED, S.FAILED, S.CRASHED, S.PAUSED, S.CANCELLING]


@pytest.mark.parametrize("proposed", NOT_CANCELLED)
def test_cancelling_flow_only_becomes_cancelled(proposed):
    cancelling = state(S.CANCELLING, at=ago(5))
    decision = flow(cancelling, state(proposed), flow_run(cancelling, run_count=1))
    assert decision.status == "REJECT"
    assert decision.reason == "Cannot transition flows that are cancelling to a state other than Cancelled."
    assert decision.state == cancelling
    assert not decision.writes_state


def test_cancelling_flow_becomes_cancelled():
    cancelling = state(S.CANCELLING, at=ago(5))
    decision = flow(cancelling, state(S.CANCELLED), flow_run(cancelling, run_count=1))
    assert decision.status == "ACCEPT"
    assert decision.run_updates["end_time"] == NOW


def test_forced_transition_leaves_cancelling():
    cancelling = state(S.CANCELLING, at=ago(5))
    assert flow(cancelling, state(S.CRASHED), flow_run(cancelling), force=True).status == "ACCEPT"


def test_cancelling_task_may_finish_otherwise():
    # The reference applies the CANCELLING -> CANCELLED rule to flow runs only.
    cancelling = state(S.CANCELLING, at=ago(5))
    assert task(cancelling, state(S.COMPLETED)).status == "ACCEPT"


def test_scheduled_flow_without_infrastructure_is_cancelled_directly():
    scheduled = state(S.SCHEDULED, at=ago(5), scheduled_time=later(60))
    run = flow_run(scheduled, expected_start_time=later(60), next_scheduled_start_time=later(60))
    decision = flow(scheduled, state(S.CANCELLING), run)
    assert decision.status == "REJECT"
    assert decision.reason == "Scheduled flow run has no infrastructure to terminate."
    assert decision.writes_state
    assert (decision.state.type, decision.state.name, decision.state.timestamp) == (S.CANCELLED, "Cancelled", NOW)
    assert decision.run_updates == {"next_scheduled_start_time": None, "start_time": NOW, "end_time": NOW}


def test_scheduled_flow_with_infrastructure_goes_through_cancelling():
    scheduled = state(S.SCHEDULED, "AwaitingRetry", at=ago(5), scheduled_time=later(60))
    decision = flow(scheduled, state(S.CANCELLING), flow_run(scheduled, infrastructure_pid="1234"))
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.CANCELLING


def test_resuming_flow_is_cancelled_directly_even_with_infrastructure():
    resuming = state(S.SCHEDULED, "Resuming", at=ago(5), scheduled_time=ago(5))
    decision = flow(resuming, state(S.CANCELLING), flow_run(resuming, infrastructure_pid="1234"))
    assert decision.state.type is S.CANCELLED


def test_suspended_flow_is_cancelled_directly():
    suspended = state(S.PAUSED, "Suspended", at=ago(5), pause_reschedule=True)
    run = flow_run(suspended, infrastructure_pid="1234", deployment_id=uuid4())
    decision = flow(suspended, state(S.CANCELLING), run)
    assert decision.status == "REJECT"
    assert decision.reason == "Suspended flow run has no infrastructure to terminate."
    assert decision.state.type is S.CANCELLED


def test_blocking_pause_goes_through_cancelling():
    paused = state(S.PAUSED, at=ago(5), pause_timeout=ago(1))
    decision = flow(paused, state(S.CANCELLING), flow_run(paused, infrastructure_pid="1234"))
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.CANCELLING
    assert decision.run_updates["empirical_policy"]["resuming"] is True


def test_forced_cancelling_still_bypasses_for_scheduled_runs():
    scheduled = state(S.SCHEDULED, at=ago(5), scheduled_time=later(60))
    decision = flow(scheduled, state(S.CANCELLING), flow_run(scheduled), force=True)
    assert decision.state.type is S.CANCELLED


def test_running_flow_goes_through_cancelling():
    running = state(S.RUNNING, at=ago(5))
    decision = flow(running, state(S.CANCELLING), flow_run(running, run_count=1))
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.CANCELLING
