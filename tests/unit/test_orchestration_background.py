"""Deferred (background) task runs: their own policy, parameters carried, queued when scheduled."""

from __future__ import annotations

from uuid import uuid4

from prefect_core.orchestration import EnqueueTaskRun
from tests.unit.orchestration_builders import NOW, S, ago, later, state, task, task_run


def test_scheduled_background_task_is_enqueued():
    run = task_run(None)
    decision = task(None, state(S.SCHEDULED, deferred=True, task_parameters_id=uuid4()), run, force=True)
    assert decision.status == "ACCEPT"
    assert decision.effects == [EnqueueTaskRun(run.id, "my-task", retry=False)]
    assert decision.run_updates == {"expected_start_time": NOW, "next_scheduled_start_time": NOW}


def test_background_task_scheduled_for_retry_is_enqueued_as_a_retry():
    failed = state(S.FAILED, at=ago(5))
    run = task_run(failed, run_count=1, end_time=ago(5), expected_start_time=ago(9))
    decision = task(failed, state(S.SCHEDULED, "AwaitingRetry", deferred=True, scheduled_time=later(5)), run)
    assert decision.status == "ACCEPT"
    assert decision.effects == [EnqueueTaskRun(run.id, "my-task", retry=True)]
    assert decision.run_updates["run_count"] == 0


def test_core_task_policy_does_not_enqueue():
    run = task_run(None)
    decision = task(None, state(S.SCHEDULED), run, force=True)
    assert decision.effects == []


def test_parameters_id_follows_the_background_task():
    params = uuid4()
    scheduled = state(S.SCHEDULED, at=ago(5), scheduled_time=ago(1), deferred=True, task_parameters_id=params)
    pending = task(scheduled, state(S.PENDING, deferred=True), task_run(scheduled))
    assert pending.status == "ACCEPT"
    assert pending.state.state_details.task_parameters_id == params
    assert pending.state.state_details.scheduled_time == ago(1)

    running = task(pending.state, state(S.RUNNING, deferred=True), task_run(pending.state))
    assert running.status == "ACCEPT"
    assert running.state.state_details.task_parameters_id == params


def test_background_task_keeps_its_own_parameters_id():
    own = uuid4()
    scheduled = state(S.SCHEDULED, at=ago(5), scheduled_time=ago(1), task_parameters_id=uuid4())
    decision = task(scheduled, state(S.PENDING, deferred=True, task_parameters_id=own), task_run(scheduled))
    assert decision.state.state_details.task_parameters_id == own


def test_background_task_is_not_held_by_a_stopped_flow():
    pending = state(S.PENDING, at=ago(1))
    run = task_run(pending, flow_run_id=uuid4())
    decision = task(
        pending,
        state(S.RUNNING, deferred=True),
        run,
        parent_flow_run_state=state(S.CANCELLED),
        parent_flow_run_run_count=2,
    )
    assert decision.status == "ACCEPT"
    assert decision.run_updates["flow_run_run_count"] == 2


def test_background_task_retries():
    running = state(S.RUNNING, at=ago(5))
    run = task_run(running, run_count=1, retries=1, retry_delay=3)
    decision = task(running, state(S.FAILED, deferred=True), run)
    assert (decision.status, decision.state.name) == ("REJECT", "AwaitingRetry")
    # The retry was produced by a rejection of FAILED, so it is not enqueued here.
    assert decision.effects == []


def test_background_task_waits_for_its_scheduled_time():
    scheduled = state(S.SCHEDULED, at=ago(5), scheduled_time=later(10), deferred=True)
    decision = task(scheduled, state(S.RUNNING, deferred=True), task_run(scheduled))
    assert (decision.status, decision.delay_seconds) == ("WAIT", 10)
