"""Run history: runs counted per time bucket and state (POST /flow_runs/history, /task_runs/history)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pydantic import Field, field_validator

from prefect_core.schemas.base import DateTime, PrefectModel
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.filters import WorkQueueFilter
from prefect_core.schemas.states import StateType

#: The reference caps a history at this many intervals.
MAX_INTERVALS = 500


class HistoryQuery(RunFilterBody):
    history_start: DateTime
    history_end: DateTime
    history_interval_seconds: float = Field(alias="history_interval_seconds")
    work_queues: WorkQueueFilter | None = None

    @field_validator("history_interval_seconds", mode="before")
    @classmethod
    def _at_least_one_second(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and value < 1:
            raise ValueError("History interval must not be less than 1 second.")
        return value


class HistoryState(PrefectModel):
    state_type: StateType
    state_name: str
    count_runs: int
    sum_estimated_run_time: float
    sum_estimated_lateness: float


class HistoryInterval(PrefectModel):
    interval_start: DateTime
    interval_end: DateTime
    states: list[HistoryState]


def interval_count(start: dt.datetime, end: dt.datetime, interval: dt.timedelta) -> int:
    """How many intervals cover [start, end), at most MAX_INTERVALS."""
    elapsed = (end - start).total_seconds()
    if elapsed <= 0:
        return 0
    return min(math.ceil(elapsed / interval.total_seconds()), MAX_INTERVALS)


def bucket(
    rows: Iterable[dict[str, Any]], start: dt.datetime, interval: dt.timedelta, count: int
) -> list[HistoryInterval]:
    """Group runs (expected_start_time, state_type, state_name, estimated_run_time,
    estimated_start_time_delta) into `count` intervals from `start`, by state."""
    width = interval.total_seconds()
    totals: dict[int, dict[tuple[str, str], list[float]]] = defaultdict(dict)
    for row in rows:
        expected = row["expected_start_time"]
        if expected is None or row["state_type"] is None:
            continue
        index = int((expected - start).total_seconds() // width)
        if not 0 <= index < count:
            continue
        key = (row["state_type"], row["state_name"] or "")
        acc = totals[index].setdefault(key, [0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += max(0.0, row["estimated_run_time"] or 0.0)
        acc[2] += max(0.0, row["estimated_start_time_delta"] or 0.0)
    return [
        HistoryInterval(
            interval_start=start + i * interval,
            interval_end=start + (i + 1) * interval,
            states=[
                HistoryState(
                    state_type=t, state_name=n, count_runs=int(c), sum_estimated_run_time=r, sum_estimated_lateness=late
                )
                for (t, n), (c, r, late) in sorted(totals[i].items())
            ],
        )
        for i in range(count)
    ]


async def run_history(storage: Any, kind: str, query: HistoryQuery) -> list[HistoryInterval]:
    """The history of flow runs (`kind="flow"`) or task runs (`kind="task"`) for `query`."""
    interval = dt.timedelta(seconds=query.history_interval_seconds)
    count = interval_count(query.history_start, query.history_end, interval)
    if count == 0:
        return []
    end = query.history_start + count * interval
    async with storage.read() as uow:
        runs = uow.flow_runs if kind == "flow" else uow.task_runs
        rows = await runs.timings(query, query.history_start, end)
    return bucket(rows, query.history_start, interval, count)
