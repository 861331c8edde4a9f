"""Pausing and resuming flow runs, and tasks of paused or stopped flows."""

from __future__ import annotations

from uuid import uuid4

import pytest

from prefect_core.schemas.runs import FlowRunPolicy
from tests.unit.orchestration_builders import NOW, S, ago, flow, flow_run, later, state, task, task_run


def _running_flow(**fields):
    running = state(S.RUNNING, at=ago(10))
    return running, flow_run(running, run_count=1, start_time=ago(10), expected_start_time=ago(10), **fields)


def test_running_flow_pauses_and_records_its_pause_key():
    running, run = _running_flow()
    decision = flow(running, state(S.PAUSED, pause_key="1", pause_timeout=later(60)), run)
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.PAUSED
    assert decision.run_updates["empirical_policy"]["pause_keys"] == ["1"]
    assert decision.run_updates["total_run_time"] == 10


def test_pause_without_key_records_a_fresh_one():
    running, run = _running_flow(empirical_policy=FlowRunPolicy(pause_keys={"1"}))
    decision = flow(running, state(S.PAUSED), run)
    keys = decision.run_updates["empirical_policy"]["pause_keys"]
    assert len(keys) == 2 and "1" in keys


def test_pause_key_fires_once():
    running, run = _running_flow(empirical_policy=FlowRunPolicy(pause_keys={"1"}))
    decision = flow(running, state(S.PAUSED, pause_key="1"), run)
    assert decision.status == "REJECT"
    assert decision.reason == "This pause has already fired."
    assert decision.state == running
    assert decision.run_updates == {}


@pytest.mark.parametrize(("name", "verb"), [("Paused", "pause"), ("Suspended", "suspend")])
def test_only_running_flows_pause(name, verb):
    pending = state(S.PENDING, at=ago(10))
    decision = flow(pending, state(S.PAUSED, name), flow_run(pending))
    assert decision.status == "REJECT"
    assert decision.reason == f"Cannot {verb} flows that are not currently running."


def test_flow_without_state_cannot_pause():
    decision = flow(None, state(S.PAUSED))
    assert decision.status == "ABORT"
    assert decision.reason == "Cannot pause flows with no state."
    assert decision.state is None


def test_suspending_needs_a_deployment():
    running, run = _running_flow()
    decision = flow(running, state(S.PAUSED, "Suspended", pause_reschedule=True), run)
    assert decision.status == "ABORT"
    assert decision.reason == "Cannot suspend flows without a deployment."


def test_subflows_cannot_suspend():
    running, run = _running_flow(deployment_id=uuid4(), parent_task_run_id=uuid4())
    decision = flow(running, state(S.PAUSED, "Suspended", pause_reschedule=True), run)
    assert decision.status == "ABORT"
    assert decision.reason == "Cannot suspend subflows."


def test_deployment_flow_suspends():
    running, run = _running_flow(deployment_id=uuid4())
    decision = flow(running, state(S.PAUSED, "Suspended", pause_reschedule=True, pause_key="s"), run)
    assert decision.status == "ACCEPT"


def _paused_flow(run_count=1, **details):
    paused = state(S.PAUSED, at=ago(10), **details)
    run = flow_run(
        paused,
        run_count=run_count,
        start_time=ago(20),
        expected_start_time=ago(20),
        empirical_policy=FlowRunPolicy(pause_keys={"1"}),
    )
    return paused, run


def test_resumed_flow_runs_and_is_marked_resuming():
    paused, run = _paused_flow(pause_timeout=later(60))
    decision = flow(paused, state(S.RUNNING), run)
    assert decision.status == "ACCEPT"
    assert decision.run_updates["empirical_policy"]["resuming"] is True
    assert decision.run_updates["empirical_policy"]["pause_keys"] == ["1"]


def test_resumed_flow_proposing_running_again_is_not_a_new_run():
    paused, run = _paused_flow(pause_timeout=later(60))
    resumed = flow(paused, state(S.RUNNING, at=ago(1)), run)
    run = run.model_copy(
        update={
            **{k: v for k, v in resumed.run_updates.items() if k != "empirical_policy"},
            "empirical_policy": FlowRunPolicy(**resumed.run_updates["empirical_policy"]),
        }
    )
    decision = flow(resumed.state, state(S.RUNNING), run)
    assert "run_count" not in decision.run_updates
    assert decision.run_updates["empirical_policy"]["resuming"] is False


def test_suspended_flow_resumes_through_scheduled():
    paused, run = _paused_flow(pause_reschedule=True)
    run = run.model_copy(update={"deployment_id": uuid4()})
    decision = flow(paused, state(S.SCHEDULED, "Resuming", scheduled_time=NOW), run)
    assert decision.status == "ACCEPT"
    assert decision.run_updates["empirical_policy"]["resuming"] is True


def test_suspended_flow_without_deployment_cannot_reschedule():
    paused, run = _paused_flow(pause_reschedule=True)
    decision = flow(paused, state(S.SCHEDULED, "Resuming", scheduled_time=NOW), run)
    assert decision.status == "REJECT"
    assert decision.reason == "Cannot reschedule a resuming flow run without a deployment."


@pytest.mark.parametrize("proposed", [S.PENDING, S.PAUSED])
def test_paused_flow_cannot_go_pending_or_pause_again(proposed):
    paused, run = _paused_flow()
    decision = flow(paused, state(proposed, "Submitting" if proposed is S.PENDING else None), run)
    assert decision.status == "REJECT"
    if proposed is S.PENDING:
        assert decision.reason == (
            "This run cannot transition to the StateType.PENDING state from the StateType.PAUSED state."
        )
        # The reference marks the run resuming even then.
        assert decision.run_updates["empirical_policy"]["resuming"] is True
    else:
        assert decision.reason == "Cannot pause flows that are not currently running."


def test_timed_out_pause_fails_instead_of_resuming():
    paused, run = _paused_flow(pause_timeout=ago(1))
    decision = flow(paused, state(S.RUNNING), run)
    assert decision.status == "REJECT"
    assert decision.reason == "The flow run pause has timed out and can no longer resume."
    assert decision.writes_state
    assert decision.state.type is S.FAILED
    assert decision.state.message == "The flow was running and never resumed."
    assert decision.run_updates["end_time"] == NOW


def test_paused_flow_may_finish():
    paused, run = _paused_flow(pause_timeout=later(60))
    assert flow(paused, state(S.CANCELLED), run).status == "ACCEPT"


def _task_in(parent_state):
    pending = state(S.PENDING, at=ago(1))
    run = task_run(pending, flow_run_id=uuid4())
    return (
        pending,
        run,
        task(pending, state(S.RUNNING), run, parent_flow_run_state=parent_state, parent_flow_run_run_count=1),
    )


def test_task_of_a_paused_flow_is_not_ready():
    parent = state(S.PAUSED, at=ago(5), pause_timeout=later(60), pause_reschedule=True)
    _pending, run, decision = _task_in(parent)
    assert decision.status == "REJECT"
    assert decision.reason == (f"The flow is paused, new tasks can execute after resuming flow run: {run.flow_run_id}.")
    assert decision.writes_state
    assert (decision.state.type, decision.state.name) == (S.PAUSED, "NotReady")
    assert decision.state.state_details.pause_timeout == later(60)
    assert decision.state.state_details.pause_reschedule is True
    assert "run_count" not in decision.run_updates


@pytest.mark.parametrize("parent", [S.COMPLETED, S.CANCELLING, S.CANCELLED, S.PENDING, S.SCHEDULED])
def test_task_of_a_stopped_flow_aborts(parent):
    pending, _run, decision = _task_in(state(parent, at=ago(5)))
    assert decision.status == "ABORT"
    assert decision.reason == "The enclosing flow must be running to begin task execution."
    assert decision.state == pending


def test_task_of_a_flow_without_state_aborts():
    pending = state(S.PENDING, at=ago(1))
    run = task_run(pending, flow_run_id=uuid4())
    decision = task(pending, state(S.RUNNING), run, parent_flow_run_state=None, parent_flow_run_run_count=0)
    assert decision.status == "ABORT"


def test_task_whose_flow_run_is_gone_runs():
    pending = state(S.PENDING, at=ago(1))
    run = task_run(pending, flow_run_id=uuid4())
    decision = task(pending, state(S.RUNNING), run, parent_flow_run_state=None, parent_flow_run_run_count=None)
    assert decision.status == "ACCEPT"
    assert "flow_run_run_count" not in decision.run_updates


def test_task_without_a_flow_runs():
    pending = state(S.PENDING, at=ago(1))
    decision = task(pending, state(S.RUNNING), task_run(pending), parent_flow_run_state=None)
    assert decision.status == "ACCEPT"


def test_forced_task_ignores_its_flow():
    pending = state(S.PENDING, at=ago(1))
    run = task_run(pending, flow_run_id=uuid4())
    decision = task(
        pending,
        state(S.RUNNING),
        run,
        force=True,
        parent_flow_run_state=state(S.CANCELLED),
        parent_flow_run_run_count=1,
    )
    assert decision.status == "ACCEPT"
    assert "flow_run_run_count" not in decision.run_updates  # tracked by the core policy only
