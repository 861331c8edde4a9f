"""Run time and lateness as every backend reads them: the core's definitions
(`prefect_core.run_facts`) applied to the stored facts, in a run's own read and in
the timings the run history is built from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from prefect_core import run_facts, timeutil
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.states import State, StateType


@dataclass
class Filters:
    flows: Any = None
    flow_runs: Any = None
    task_runs: Any = None


#: (state, seconds from now the run was expected (each its own: rows are matched by it),
#: seconds from now it started, run time recorded)
CASES = [
    (StateType.RUNNING, -300, -200, 12.0),  # started 100 s late, running for 200 s
    (StateType.PAUSED, -310, None, 0.0),  # never started, not finished: late by now
    (StateType.SCHEDULED, -60, None, 0.0),
    (StateType.SCHEDULED, 3600, None, 0.0),  # not due yet
    (StateType.COMPLETED, -320, None, 7.0),  # finished without a start time: not late
    (StateType.CANCELLING, -330, -290, 3.0),
]


async def test_estimates_follow_the_core_definitions(storage) -> None:
    before = timeutil.now()
    ids = []
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="timings"))
        for state_type, expected, started, total in CASES:
            run = await uow.flow_runs.insert(
                FlowRun(
                    flow_id=flow.id,
                    expected_start_time=before + dt.timedelta(seconds=expected),
                    start_time=None if started is None else before + dt.timedelta(seconds=started),
                    total_run_time=total,
                )
            )
            await uow.flow_run_states.add(run.id, State(type=state_type, timestamp=before - dt.timedelta(seconds=200)))
            ids.append(run.id)
    async with storage.read() as uow:
        runs = [await uow.flow_runs.get(run_id) for run_id in ids]
        timings = await uow.flow_runs.timings(Filters(), before - dt.timedelta(days=1), before + dt.timedelta(days=1))
    after = timeutil.now()

    by_expected = {row["expected_start_time"]: row for row in timings}
    assert len(by_expected) == len(CASES)
    for run in runs:
        assert run is not None
        facts = (run.expected_start_time, run.start_time, run.state_type)
        # `now` fell somewhere between `before` and `after`; both estimates only grow with it.
        late = (run_facts.lateness_seconds(*facts, before), run_facts.lateness_seconds(*facts, after))
        ran = tuple(
            run_facts.estimated_run_time(run.total_run_time, run.state_type, run.state.timestamp, now)
            for now in (before, after)
        )
        row = by_expected[run.expected_start_time]
        for read_late, read_ran in (
            (run.estimated_start_time_delta, run.estimated_run_time),
            (row["estimated_start_time_delta"], row["estimated_run_time"]),
        ):
            assert late[0] <= read_late <= late[1], (run.state_type, read_late, late)
            assert ran[0] <= read_ran <= ran[1], (run.state_type, read_ran, ran)
    paused = runs[1]
    assert paused.estimated_start_time_delta >= 300  # late although not SCHEDULED or PENDING
