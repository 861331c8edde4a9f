"""Scheduled time: carried to PENDING, and no start before it."""

from __future__ import annotations

import datetime as dt

import pytest

from prefect_core.orchestration.rules.scheduling import whole_seconds_until
from tests.unit.orchestration_builders import S, ago, flow, flow_run, later, state, task


def test_pending_inherits_the_scheduled_time():
    scheduled = state(S.SCHEDULED, at=ago(60), scheduled_time=later(30))
    decision = flow(scheduled, state(S.PENDING), flow_run(scheduled))
    assert decision.status == "ACCEPT"
    assert decision.state.state_details.scheduled_time == later(30)


def test_pending_keeps_its_own_scheduled_time():
    scheduled = state(S.SCHEDULED, at=ago(60), scheduled_time=later(30))
    decision = flow(scheduled, state(S.PENDING, scheduled_time=later(90)), flow_run(scheduled))
    assert decision.state.state_details.scheduled_time == later(90)


def test_task_pending_inherits_the_scheduled_time_too():
    scheduled = state(S.SCHEDULED, at=ago(60), scheduled_time=later(30))
    decision = task(scheduled, state(S.PENDING))
    assert decision.state.state_details.scheduled_time == later(30)


@pytest.mark.parametrize("current", [S.SCHEDULED, S.PENDING])
def test_running_before_the_scheduled_time_waits(current):
    initial = state(current, at=ago(60), scheduled_time=later(30))
    decision = flow(initial, state(S.RUNNING), flow_run(initial))
    assert decision.status == "WAIT"
    assert decision.delay_seconds == 30
    assert decision.reason == "Scheduled time is in the future"
    assert decision.state == initial
    assert not decision.writes_state
    assert decision.run_updates == {}


def test_task_waits_for_its_scheduled_time():
    initial = state(S.SCHEDULED, at=ago(60), scheduled_time=later(5))
    decision = task(initial, state(S.RUNNING))
    assert (decision.status, decision.delay_seconds) == ("WAIT", 5)


def test_running_at_or_after_the_scheduled_time_is_accepted():
    initial = state(S.PENDING, at=ago(60), scheduled_time=ago(1))
    assert flow(initial, state(S.RUNNING), flow_run(initial)).status == "ACCEPT"


def test_running_less_than_half_a_second_early_is_accepted():
    initial = state(S.PENDING, at=ago(60), scheduled_time=later(0.4))
    assert flow(initial, state(S.RUNNING), flow_run(initial)).status == "ACCEPT"


def test_pending_without_scheduled_time_starts_at_once():
    initial = state(S.PENDING, at=ago(60))
    assert flow(initial, state(S.RUNNING), flow_run(initial)).status == "ACCEPT"


def test_forced_start_ignores_the_scheduled_time():
    initial = state(S.SCHEDULED, at=ago(60), scheduled_time=later(30))
    assert flow(initial, state(S.RUNNING), flow_run(initial), force=True).status == "ACCEPT"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(30, 30), (1.6, 2), (1.4, 1), (0.5, 0), (0.6, 1), (-0.4, 0), (-5, -5), (0, 0)],
)
def test_delay_rounding_matches_the_reference(seconds, expected):
    assert whole_seconds_until(dt.timedelta(seconds=seconds)) == expected
