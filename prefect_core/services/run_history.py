"""Run history: runs counted per time bucket and state (POST /flow_runs/history, /task_runs/history)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pydantic import Field, field_validator

from prefect_core import timeutil
from prefect_core.ports.run_filters import HistoryCount
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


def intervals(
    counts: Iterable[HistoryCount], start: dt.datetime, interval: dt.timedelta, count: int
) -> list[HistoryInterval]:
    """`count` intervals from `start`, each with its states' counts (ordered by type, name)."""
    by_bucket: dict[int, list[HistoryCount]] = defaultdict(list)
    for c in counts:
        if 0 <= c.bucket < count:
            by_bucket[c.bucket].append(c)
    return [
        HistoryInterval(
            interval_start=start + i * interval,
            interval_end=start + (i + 1) * interval,
            states=[
                HistoryState(
                    state_type=c.state_type,
                    state_name=c.state_name,
                    count_runs=c.runs,
                    sum_estimated_run_time=c.run_time,
                    sum_estimated_lateness=c.lateness,
                )
                for c in sorted(by_bucket[i], key=lambda c: (c.state_type, c.state_name))
            ],
        )
        for i in range(count)
    ]


async def run_history(storage: Any, kind: str, query: HistoryQuery) -> list[HistoryInterval]:
    """The history of flow runs (`kind="flow"`) or task runs (`kind="task"`) for `query`.

    The database counts and sums per interval and state (a 7-day hourly history of
    100,000 runs is at most 168 x a few states rows), so the event loop never walks the runs.
    """
    interval = dt.timedelta(seconds=query.history_interval_seconds)
    count = interval_count(query.history_start, query.history_end, interval)
    if count == 0:
        return []
    async with storage.read() as uow:
        runs = uow.flow_runs if kind == "flow" else uow.task_runs
        counts = await runs.history(query, query.history_start, query.history_interval_seconds, count, timeutil.now())
    return intervals(counts, query.history_start, interval, count)
