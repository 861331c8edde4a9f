"""Facts about runs that the rules, the services and storage all rely on, stated once.

Storage turns these into its own queries (e.g. `prefect_storage_sql` builds its
"holds a slot" condition from them) instead of restating them, so changing a
fact here changes it everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prefect_core.schemas.states import TERMINAL_STATES, StateType

#: States in which a flow run holds one of its deployment's concurrency slots.
DEPLOYMENT_SLOT_STATES: frozenset[StateType] = frozenset({StateType.PENDING, StateType.RUNNING, StateType.CANCELLING})


@dataclass(frozen=True)
class SlotKeepingWait:
    """A waiting state in which a run keeps the deployment slot it held."""

    state_type: StateType
    state_name: str
    #: The run's `empirical_policy.retry_type` that makes the wait keep the slot.
    retry_type: str


#: A run waiting to retry in its own process keeps its slot, as the reference does
#: (one sent to "AwaitingRetry" from outside, with no in-process retry, does not).
IN_PROCESS_RETRY_WAIT = SlotKeepingWait(StateType.SCHEDULED, "AwaitingRetry", "in_process")

#: States in which a flow run holds a slot of its work pool and work queue (what the
#: worker poll counts; a SCHEDULED run claimed by a poll holds one too until its claim ends).
WORK_POOL_SLOT_STATES: frozenset[StateType] = frozenset({StateType.PENDING, StateType.RUNNING})

#: The name of the SCHEDULED state the late-runs service gives runs not started in time.
LATE_STATE_NAME = "Late"


def holds_deployment_slot(state_type: StateType | None, state_name: str | None, retry_type: str | None) -> bool:
    """Whether a flow run in this state (with this policy retry type) holds its deployment's slot."""
    if state_type in DEPLOYMENT_SLOT_STATES:
        return True
    wait = IN_PROCESS_RETRY_WAIT
    return (state_type, state_name, retry_type) == (wait.state_type, wait.state_name, wait.retry_type)


def estimated_run_time(
    total_run_time: float | None,
    state_type: StateType | str | None,
    state_timestamp: dt.datetime | None,
    now: dt.datetime,
) -> float:
    """Seconds run so far: the time recorded when RUNNING states ended, plus the current
    RUNNING state's time until `now` (the reference's `estimated_run_time`)."""
    total = total_run_time or 0.0
    if state_type == StateType.RUNNING and state_timestamp is not None:
        total += max(0.0, (now - state_timestamp).total_seconds())
    return total


def lateness_seconds(
    expected_start_time: dt.datetime | None,
    start_time: dt.datetime | None,
    state_type: StateType | str | None,
    now: dt.datetime,
) -> float:
    """How late a run started; or, not started yet and not finished, how late it is by
    `now`; 0 otherwise, and 0 for a run without a state (the reference's
    `estimated_start_time_delta`, as its SQL computes it)."""
    if expected_start_time is None:
        return 0.0
    if start_time is not None:
        return max(0.0, (start_time - expected_start_time).total_seconds())
    if state_type is not None and state_type not in TERMINAL_STATES and expected_start_time < now:
        return (now - expected_start_time).total_seconds()
    return 0.0


def read_time_fields(
    total_run_time: float | None,
    state_type: StateType | str | None,
    state_timestamp: dt.datetime | None,
    expected_start_time: dt.datetime | None,
    start_time: dt.datetime | None,
    now: dt.datetime,
) -> dict[str, float]:
    """The fields a run's answer computes when it is read (`estimated_run_time`,
    `estimated_start_time_delta`), as of `now`."""
    return {
        "estimated_run_time": estimated_run_time(total_run_time, state_type, state_timestamp, now),
        "estimated_start_time_delta": lateness_seconds(expected_start_time, start_time, state_type, now),
    }
