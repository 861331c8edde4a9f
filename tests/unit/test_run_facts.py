"""The run facts the rules, services and storage share (prefect_core.run_facts)."""

from __future__ import annotations

import datetime as dt

import pytest

from prefect_core import run_facts
from prefect_core.orchestration.rules import concurrency
from prefect_core.schemas.states import StateType

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_the_concurrency_rules_use_the_shared_slot_states() -> None:
    assert concurrency.HOLDING is run_facts.DEPLOYMENT_SLOT_STATES


@pytest.mark.parametrize(
    ("state", "name", "retry_type", "holds"),
    [
        (StateType.PENDING, "Pending", None, True),
        (StateType.RUNNING, "Running", None, True),
        (StateType.CANCELLING, "Cancelling", None, True),
        (StateType.SCHEDULED, "AwaitingRetry", "in_process", True),
        (StateType.SCHEDULED, "AwaitingRetry", None, False),  # rescheduled from outside
        (StateType.SCHEDULED, "Scheduled", "in_process", False),
        (StateType.PAUSED, "Paused", None, False),
        (StateType.COMPLETED, "Completed", "in_process", False),
        (None, None, None, False),
    ],
)
def test_which_runs_hold_a_deployment_slot(state, name, retry_type, holds) -> None:
    assert run_facts.holds_deployment_slot(state, name, retry_type) is holds


@pytest.mark.parametrize(
    ("total", "state", "since", "expected"),
    [
        (5.0, StateType.RUNNING, 30, 35.0),  # recorded time plus the current RUNNING stretch
        (5.0, "RUNNING", 30, 35.0),  # as storage reads it: a plain string
        (5.0, StateType.COMPLETED, 30, 5.0),
        (None, StateType.PENDING, 30, 0.0),
        (2.0, StateType.RUNNING, None, 2.0),
        (2.0, StateType.RUNNING, -10, 2.0),  # a state stamped after `now` adds nothing
    ],
)
def test_estimated_run_time(total, state, since, expected) -> None:
    stamp = None if since is None else T0 - dt.timedelta(seconds=since)
    assert run_facts.estimated_run_time(total, state, stamp, T0) == expected


@pytest.mark.parametrize(
    ("expected", "started", "state", "late"),
    [
        (0, 30, StateType.RUNNING, 30.0),
        (0, None, StateType.PAUSED, 100.0),  # not started, not finished: late by now
        (0, None, "SCHEDULED", 100.0),
        (0, None, StateType.FAILED, 0.0),
        (0, None, None, 0.0),
    ],
)
def test_lateness(expected, started, state, late) -> None:
    def at(s: int | None) -> dt.datetime | None:
        return None if s is None else T0 + dt.timedelta(seconds=s)

    assert run_facts.lateness_seconds(at(expected), at(started), state, T0 + dt.timedelta(seconds=100)) == late
