"""Bookkeeping every written state gets: times, counts, expected start, state pointers."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

from prefect_core.orchestration import FlowRunStateChanged, SetParentTaskRunState
from prefect_core.schemas.runs import FlowRunPolicy
from tests.unit.orchestration_builders import NOW, S, ago, flow, flow_run, later, state, task, task_run


def test_first_state_sets_expected_start_time_from_its_timestamp():
    run = flow_run()
    decision = flow(None, state(S.PENDING), run, force=True)
    assert decision.status == "ACCEPT"
    assert decision.writes_state
    assert decision.run_updates == {"expected_start_time": NOW}
    assert decision.state.state_details.flow_run_id == run.id


def test_first_scheduled_state_sets_expected_and_next_start_from_scheduled_time():
    decision = flow(None, state(S.SCHEDULED, scheduled_time=later(60)), force=True)
    assert decision.run_updates == {
        "expected_start_time": later(60),
        "next_scheduled_start_time": later(60),
    }


def test_scheduled_state_without_time_is_scheduled_now():
    decision = flow(None, state(S.SCHEDULED), force=True)
    assert decision.state.state_details.scheduled_time == NOW
    assert decision.run_updates["next_scheduled_start_time"] == NOW


def test_leaving_scheduled_clears_next_scheduled_start_time():
    scheduled = state(S.SCHEDULED, at=ago(60), scheduled_time=ago(10))
    run = flow_run(scheduled, expected_start_time=ago(10), next_scheduled_start_time=ago(10))
    decision = flow(scheduled, state(S.PENDING), run)
    assert decision.status == "ACCEPT"
    assert decision.run_updates == {"next_scheduled_start_time": None}


def test_entering_running_counts_a_run_and_sets_start_time_once():
    pending = state(S.PENDING, at=ago(5))
    run = flow_run(pending, expected_start_time=ago(5))
    decision = flow(pending, state(S.RUNNING), run)
    assert decision.run_updates == {"run_count": 1, "start_time": NOW}

    rerun = flow_run(pending, expected_start_time=ago(5), run_count=1, start_time=ago(100))
    decision = flow(pending, state(S.RUNNING), rerun)
    assert decision.run_updates == {"run_count": 2}


def test_leaving_running_adds_time_spent_running():
    running = state(S.RUNNING, at=ago(30))
    run = flow_run(running, run_count=1, start_time=ago(30), expected_start_time=ago(30), total_run_time=2.5)
    decision = flow(running, state(S.COMPLETED), run)
    assert decision.run_updates == {"end_time": NOW, "total_run_time": 32.5}


def test_terminal_state_before_running_sets_start_and_end_time():
    pending = state(S.PENDING, at=ago(5))
    decision = flow(pending, state(S.FAILED), flow_run(pending, expected_start_time=ago(5)))
    assert decision.run_updates == {"start_time": NOW, "end_time": NOW}


def test_terminal_to_terminal_keeps_the_first_end_time():
    failed = state(S.FAILED, at=ago(5))
    run = flow_run(failed, start_time=ago(9), end_time=ago(5), expected_start_time=ago(9))
    decision = flow(failed, state(S.COMPLETED), run, force=True)
    assert decision.status == "ACCEPT"
    assert decision.run_updates == {}


def test_leaving_a_terminal_state_clears_end_time():
    failed = state(S.FAILED, at=ago(5))
    run = flow_run(failed, start_time=ago(9), end_time=ago(5), expected_start_time=ago(9))
    decision = flow(failed, state(S.RUNNING), run, force=True)
    assert decision.run_updates == {"end_time": None, "run_count": 1}


def test_resuming_flow_is_not_counted_as_a_new_run_and_stops_resuming():
    pending = state(S.PENDING, at=ago(5))
    policy = FlowRunPolicy(resuming=True)
    run = flow_run(pending, run_count=1, start_time=ago(50), expected_start_time=ago(50), empirical_policy=policy)
    decision = flow(pending, state(S.RUNNING), run)
    assert "run_count" not in decision.run_updates
    assert decision.run_updates["empirical_policy"]["resuming"] is False


def test_resuming_flag_is_cleared_by_a_terminal_state():
    running = state(S.RUNNING, at=ago(5))
    policy = FlowRunPolicy(resuming=True)
    run = flow_run(running, run_count=1, start_time=ago(5), expected_start_time=ago(5), empirical_policy=policy)
    decision = flow(running, state(S.COMPLETED), run)
    assert decision.run_updates["empirical_policy"]["resuming"] is False


def test_task_run_count_and_state_pointers():
    pending = state(S.PENDING, at=ago(1))
    flow_run_id = uuid4()
    run = task_run(pending, flow_run_id=flow_run_id, expected_start_time=ago(1))
    decision = task(pending, state(S.RUNNING), run, parent_flow_run_state=state(S.RUNNING), parent_flow_run_run_count=3)
    assert decision.run_updates == {"run_count": 1, "start_time": NOW, "flow_run_run_count": 3}
    assert decision.state.state_details.task_run_id == run.id
    assert decision.state.state_details.flow_run_id == flow_run_id
    assert decision.effects == []


def test_flow_states_are_announced():
    pending = state(S.PENDING, at=ago(1))
    decision = flow(pending, state(S.RUNNING), flow_run(pending))
    assert decision.effects == [FlowRunStateChanged(pending, decision.state)]


def test_subflow_state_points_at_and_is_mirrored_on_its_parent_task():
    parent_task_id = uuid4()
    pending = state(S.PENDING, at=ago(1))
    run = flow_run(pending, parent_task_run_id=parent_task_id, expected_start_time=ago(1))
    decision = flow(pending, state(S.RUNNING), run)
    assert decision.state.state_details.task_run_id == parent_task_id
    mirror = next(e for e in decision.effects if isinstance(e, SetParentTaskRunState))
    assert mirror.task_run_id == parent_task_id
    assert mirror.state.type is S.RUNNING
    assert mirror.state.id != decision.state.id
    assert mirror.state.state_details.child_flow_run_id == run.id


def test_flow_state_timestamp_never_equals_the_current_one():
    pending = state(S.PENDING, at=NOW)
    decision = flow(pending, state(S.RUNNING, at=NOW), flow_run(pending))
    assert decision.state.timestamp == NOW + dt.timedelta(microseconds=1)


def test_task_state_timestamp_is_kept():
    pending = state(S.PENDING, at=NOW)
    decision = task(pending, state(S.RUNNING, at=NOW))
    assert decision.state.timestamp == NOW


def test_nothing_is_recorded_when_nothing_is_written():
    running = state(S.RUNNING, at=ago(10))
    decision = flow(running, state(S.PENDING), flow_run(running, run_count=1))
    assert decision.status == "ABORT"
    assert not decision.writes_state
    assert decision.run_updates == {}
    assert decision.effects == []
