"""How a policy runs: rule applicability, rejections ending the policy, fizzling, choice of policy."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prefect_core.orchestration import POLICIES, Policy, RunKind, default_policy, orchestrate
from prefect_core.orchestration.base import ALL_STATES, accept, reject, rule, wait
from prefect_core.orchestration.engine import run_policy
from tests.unit.orchestration_builders import NOW, S, ago, flow_ctx, flow_run, state, task_ctx


@rule({S.RUNNING}, {S.COMPLETED})
def rename_done(ctx, proposed):
    return accept(proposed.model_copy(update={"name": "Done"}), changes={"run_count": 7})


@rule(ALL_STATES, {S.COMPLETED})
def reject_to_failed(ctx, proposed):
    return reject(state(S.FAILED, "Nope"), "no")


@rule(ALL_STATES, ALL_STATES)
def record_after(ctx, proposed):
    return accept(after_changes={"flow_run_run_count": 42})


@rule(ALL_STATES, ALL_STATES)
def must_not_run(ctx, proposed):
    raise AssertionError("rule ran after the transition changed")


@rule(ALL_STATES, ALL_STATES)
def sees_run_count(ctx, proposed):
    assert ctx.run.run_count == 7
    return None


def _policy(*rules):
    return Policy("test", RunKind.TASK, rules)


def _running_task_ctx():
    running = state(S.RUNNING, at=ago(1))
    return task_ctx(running, state(S.COMPLETED))


def test_rule_outside_its_from_to_sets_does_not_run():
    ctx = task_ctx(state(S.PENDING, at=ago(1)), state(S.COMPLETED))
    decision = run_policy(_policy(rename_done), ctx)
    assert decision.state.name == "Completed"


def test_amended_proposal_and_changes_are_seen_by_later_rules_and_kept():
    decision = run_policy(_policy(rename_done, sees_run_count), _running_task_ctx())
    assert decision.status == "ACCEPT"
    assert decision.state.name == "Done"
    assert decision.run_updates["run_count"] == 7


def test_rejection_with_another_type_skips_later_rules_and_reverts_earlier_changes():
    decision = run_policy(_policy(rename_done, record_after, reject_to_failed, must_not_run), _running_task_ctx())
    assert decision.status == "REJECT"
    assert decision.reason == "no"
    assert decision.writes_state
    assert decision.state.type is S.FAILED
    assert "run_count" not in decision.run_updates  # rename_done fizzled
    assert "flow_run_run_count" not in decision.run_updates  # and so did record_after


def test_after_changes_apply_when_the_transition_goes_through():
    decision = run_policy(_policy(record_after), _running_task_ctx())
    assert decision.run_updates["flow_run_run_count"] == 42


def test_wait_answers_with_the_current_state_and_writes_nothing():
    @rule(ALL_STATES, ALL_STATES)
    def hold(ctx, proposed):
        return wait(3, "later")

    ctx = _running_task_ctx()
    decision = run_policy(_policy(hold, must_not_run), ctx)
    assert (decision.status, decision.delay_seconds, decision.reason) == ("WAIT", 3, "later")
    assert decision.state is ctx.initial
    assert not decision.writes_state


def test_changing_type_without_rejecting_is_a_programming_error():
    @rule(ALL_STATES, ALL_STATES)
    def sneaky(ctx, proposed):
        return accept(state(S.FAILED))

    with pytest.raises(ValueError):
        run_policy(_policy(sneaky), _running_task_ctx())


def test_rejecting_to_the_current_state_needs_a_current_state():
    @rule(ALL_STATES, ALL_STATES)
    def refuse(ctx, proposed):
        return reject(None, "no")

    with pytest.raises(ValueError):
        run_policy(_policy(refuse), task_ctx(None, state(S.PENDING)))


def test_policy_kind_must_match_the_run():
    with pytest.raises(ValueError):
        run_policy(POLICIES["core_task"], flow_ctx(None, state(S.PENDING)))


@pytest.mark.parametrize(
    ("kind", "force", "deferred", "expected"),
    [
        ("flow", False, False, "core_flow"),
        ("flow", True, False, "minimal_flow"),
        ("task", False, False, "core_task"),
        ("task", True, False, "minimal_task"),
        ("task", False, True, "background_task"),
        ("task", True, True, "background_task"),
    ],
)
def test_default_policy_is_the_references_choice(kind, force, deferred, expected):
    proposed = state(S.SCHEDULED, deferred=deferred)
    build = flow_ctx if kind == "flow" else task_ctx
    assert default_policy(build(None, proposed, force=force)).name == expected


def test_policy_by_short_name_follows_the_run_kind():
    pending = state(S.PENDING, at=ago(1))
    ctx = task_ctx(pending, state(S.PENDING, "Pending"))
    assert orchestrate(ctx).status == "ACCEPT"  # core task policy allows it
    assert orchestrate(ctx, policy="background").status == "ABORT"
    assert orchestrate(ctx, policy=POLICIES["background_task"]).status == "ABORT"


def test_unknown_policy_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="core_flow"):
        orchestrate(flow_ctx(None, state(S.PENDING)), policy="nope")


def test_naive_now_is_taken_as_utc():
    scheduled = state(S.SCHEDULED, at=ago(60), scheduled_time=NOW)
    ctx = flow_ctx(scheduled, state(S.RUNNING), flow_run(scheduled))
    decision = orchestrate(replace(ctx, now=NOW.replace(tzinfo=None)))
    assert decision.status == "ACCEPT"
