"""Duplicate transitions and marking runs late."""

from __future__ import annotations

from uuid import uuid4

from prefect_core.orchestration import FlowRunStateChanged, orchestrate_late
from tests.unit.orchestration_builders import S, ago, flow, flow_ctx, flow_run, later, state, task


def test_repeated_transition_id_is_rejected_with_the_current_state():
    transition = uuid4()
    running = state(S.RUNNING, at=ago(5), transition_id=transition)
    decision = flow(running, state(S.COMPLETED, transition_id=transition), flow_run(running, run_count=1))
    assert decision.status == "REJECT"
    assert decision.reason == "This run has already made this state transition."
    assert decision.state == running
    assert not decision.writes_state
    assert decision.run_updates == {}


def test_new_transition_id_is_accepted():
    running = state(S.RUNNING, at=ago(5), transition_id=uuid4())
    decision = flow(running, state(S.COMPLETED, transition_id=uuid4()), flow_run(running, run_count=1))
    assert decision.status == "ACCEPT"


def test_missing_transition_ids_are_not_duplicates():
    running = state(S.RUNNING, at=ago(5))
    assert flow(running, state(S.COMPLETED), flow_run(running, run_count=1)).status == "ACCEPT"


def test_task_runs_do_not_check_transition_ids():
    # The reference only guards flow runs.
    transition = uuid4()
    running = state(S.RUNNING, at=ago(5), transition_id=transition)
    assert task(running, state(S.COMPLETED, transition_id=transition)).status == "ACCEPT"


def _late_ctx(initial):
    return flow_ctx(initial, state(S.SCHEDULED, "Late", scheduled_time=ago(30)), flow_run(initial))


def test_scheduled_run_is_marked_late():
    scheduled = state(S.SCHEDULED, at=ago(60), scheduled_time=ago(30))
    decision = orchestrate_late(_late_ctx(scheduled))
    assert decision.status == "ACCEPT"
    assert decision.state.name == "Late"
    assert decision.state.state_details.scheduled_time == ago(30)
    assert decision.run_updates["next_scheduled_start_time"] == ago(30)
    assert isinstance(decision.effects[-1], FlowRunStateChanged)


def test_only_scheduled_runs_are_marked_late():
    pending = state(S.PENDING, at=ago(60))
    decision = orchestrate_late(_late_ctx(pending))
    assert decision.status == "REJECT"
    assert decision.reason == "Only scheduled flows can be marked late."
    assert decision.state == pending


def test_late_runs_are_not_marked_late_again():
    late = state(S.SCHEDULED, "Late", at=ago(60), scheduled_time=ago(30))
    decision = orchestrate_late(_late_ctx(late))
    assert decision.status == "REJECT"
    assert decision.reason == "This flow run is already marked late."


def test_core_flow_policy_also_guards_late():
    running = state(S.RUNNING, at=ago(60))
    decision = flow(running, state(S.SCHEDULED, "Late", scheduled_time=later(5)), flow_run(running))
    assert decision.status == "REJECT"
    assert decision.reason == "Only scheduled flows can be marked late."


def test_other_scheduled_names_are_not_affected():
    scheduled = state(S.SCHEDULED, at=ago(60), scheduled_time=ago(30))
    decision = orchestrate_late(flow_ctx(scheduled, state(S.SCHEDULED, "Rescheduled"), flow_run(scheduled)))
    assert decision.status == "ACCEPT"
