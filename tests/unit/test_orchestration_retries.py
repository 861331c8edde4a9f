"""Failures with retries left become AwaitingRetry; reruns are renamed."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

import pytest

from prefect_core.orchestration.rules import retries
from prefect_core.schemas.runs import FlowRunPolicy
from tests.unit.orchestration_builders import NOW, S, ago, flow, flow_run, later, state, task, task_run


def _running_flow(run_count=1, **policy):
    running = state(S.RUNNING, at=ago(10))
    run = flow_run(
        running,
        run_count=run_count,
        start_time=ago(10),
        expected_start_time=ago(10),
        empirical_policy=FlowRunPolicy(**policy),
    )
    return running, run


def test_failed_flow_with_retries_left_awaits_retry():
    running, run = _running_flow(retries=2, retry_delay=30, pause_keys={"k"}, resuming=True)
    decision = flow(running, state(S.FAILED, message="boom", data={"type": "unpersisted"}), run)
    assert decision.status == "REJECT"
    assert decision.reason == "Retrying"
    assert decision.writes_state
    retry = decision.state
    assert (retry.type, retry.name) == (S.SCHEDULED, "AwaitingRetry")
    assert retry.state_details.scheduled_time == later(30)
    assert (retry.message, retry.data) == ("boom", {"type": "unpersisted"})
    policy = decision.run_updates["empirical_policy"]
    assert (policy["retry_type"], policy["resuming"], policy["pause_keys"]) == ("in_process", False, [])
    assert decision.run_updates["next_scheduled_start_time"] == later(30)
    assert decision.run_updates["total_run_time"] == 10
    assert "end_time" not in decision.run_updates


def test_flow_retry_carries_the_deployment_lease():
    lease = uuid4()
    running = state(S.RUNNING, at=ago(10), deployment_concurrency_lease_id=lease)
    run = flow_run(running, run_count=1, empirical_policy=FlowRunPolicy(retries=1))
    decision = flow(running, state(S.FAILED), run)
    assert decision.state.state_details.deployment_concurrency_lease_id == lease
    assert decision.state.state_details.scheduled_time == NOW


def test_flow_out_of_retries_fails_and_clears_retry_type():
    running, run = _running_flow(run_count=3, retries=2, retry_type="in_process")
    decision = flow(running, state(S.FAILED), run)
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.FAILED
    assert decision.run_updates["empirical_policy"]["retry_type"] is None
    assert decision.run_updates["end_time"] == NOW


def test_flow_without_retries_fails():
    running, run = _running_flow()
    decision = flow(running, state(S.FAILED), run)
    assert decision.status == "ACCEPT"
    assert "empirical_policy" not in decision.run_updates


def test_flow_retry_counts_from_deprecated_max_retries():
    running = state(S.RUNNING, at=ago(10))
    run = flow_run(running, run_count=1, empirical_policy=FlowRunPolicy(max_retries=1))
    assert flow(running, state(S.FAILED), run).state.name == "AwaitingRetry"


def test_crashed_flow_is_not_retried():
    running, run = _running_flow(retries=3)
    assert flow(running, state(S.CRASHED), run).status == "ACCEPT"


def test_flow_reruns_are_not_renamed():
    # The reference renames task reruns only.
    awaiting = state(S.SCHEDULED, "AwaitingRetry", at=ago(10), scheduled_time=ago(1))
    run = flow_run(awaiting, run_count=1)
    decision = flow(awaiting, state(S.RUNNING), run)
    assert decision.state.name == "Running"
    assert decision.run_updates["run_count"] == 2


def _running_task(run_count=1, **policy):
    running = state(S.RUNNING, at=ago(10))
    run = task_run(running, flow_run_id=uuid4(), run_count=run_count, start_time=ago(10), **policy)
    return running, run


def _task(initial, proposed, run):
    return task(initial, proposed, run, parent_flow_run_state=state(S.RUNNING), parent_flow_run_run_count=1)


def test_failed_task_with_retries_left_awaits_retry_after_its_delay():
    running, run = _running_task(retries=1, retry_delay=5)
    decision = _task(running, state(S.FAILED, message="boom"), run)
    assert decision.status == "REJECT"
    assert decision.reason == "Retrying"
    assert (decision.state.name, decision.state.message) == ("AwaitingRetry", "boom")
    assert decision.state.state_details.scheduled_time == later(5)
    assert decision.state.state_details.task_run_id == run.id


@pytest.mark.parametrize(("run_count", "delay"), [(1, 1), (2, 10), (3, 100), (4, 100)])
def test_task_retry_delays_are_taken_by_attempt(run_count, delay):
    running, run = _running_task(run_count=run_count, retries=5, retry_delay=[1, 10, 100])
    decision = _task(running, state(S.FAILED), run)
    assert decision.state.state_details.scheduled_time == later(delay)


def test_task_out_of_retries_fails():
    running, run = _running_task(run_count=2, retries=1, retry_delay=5)
    decision = _task(running, state(S.FAILED), run)
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.FAILED


def test_task_marked_not_retriable_fails():
    running, run = _running_task(retries=3)
    decision = _task(running, state(S.FAILED, retriable=False), run)
    assert decision.status == "ACCEPT"


def test_task_retry_delay_is_jittered_within_bounds(monkeypatch):
    running, run = _running_task(retries=1, retry_delay=100, retry_jitter_factor=0.5)
    delays = []
    for sample in (0.0, 0.5, 0.999999):
        monkeypatch.setattr(retries, "uniform", lambda s=sample: s)
        decision = _task(running, state(S.FAILED), run)
        delays.append((decision.state.state_details.scheduled_time - NOW).total_seconds())
    assert delays == sorted(delays)
    assert all(0 <= d <= 150.0001 for d in delays)
    assert delays[-1] == pytest.approx(150, abs=0.01)


def test_jitter_keeps_the_median_near_the_average():
    assert retries.jittered(100, 0.3, 0.5) == pytest.approx(100, rel=0.15)
    assert retries.jittered(0, 0.3, 0.5) == 0.0
    assert retries.jittered(10, 100, 1.0) <= 10 * 101


@pytest.mark.parametrize(
    ("configured", "run_count", "expected"),
    [(None, 1, 0), (7, 3, 7), ([], 1, 0), ([1, 2], 0, 2), ([1, 2], 1, 1), ([1, 2], 9, 2)],
)
def test_retry_delay_choice(configured, run_count, expected):
    assert retries.retry_delay(configured, run_count) == expected


def test_task_rerun_after_awaiting_retry_is_named_retrying():
    awaiting = state(S.SCHEDULED, "AwaitingRetry", at=ago(5), scheduled_time=ago(1))
    run = task_run(awaiting, flow_run_id=uuid4(), run_count=1)
    decision = _task(awaiting, state(S.RUNNING), run)
    assert decision.status == "ACCEPT"
    assert decision.state.name == "Retrying"
    assert decision.run_updates["run_count"] == 2


def test_task_rerun_otherwise_is_named_rerunning():
    pending = state(S.PENDING, at=ago(5))
    run = task_run(pending, flow_run_id=uuid4(), run_count=1)
    assert _task(pending, state(S.RUNNING), run).state.name == "Rerunning"


def test_first_task_run_keeps_its_name():
    pending = state(S.PENDING, at=ago(5))
    assert _task(pending, state(S.RUNNING), task_run(pending, flow_run_id=uuid4())).state.name == "Running"


def test_retry_time_uses_the_server_clock():
    running, run = _running_task(retries=1, retry_delay=2.5)
    decision = _task(running, state(S.FAILED), run)
    assert decision.state.timestamp == NOW
    assert decision.state.state_details.scheduled_time == NOW + dt.timedelta(seconds=2.5)
