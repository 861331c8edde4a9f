"""Counting events into time buckets, as /events/count-by/{day,time} answers.

Time is cut into buckets of `interval` units counted from a fixed pivot (the
reference's: Monday 2024-04-01 UTC), so the same event always falls in the same
bucket whatever range is asked for. Every bucket in the range is returned,
empty ones with a count of 0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from enum import Enum

from prefect_core import timeutil
from prefect_core.errors import InvalidInput
from prefect_core.schemas.events import EventCount

PIVOT = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
MAX_BUCKETS = 1000


class TimeUnit(str, Enum):
    week = "week"
    day = "day"
    hour = "hour"
    minute = "minute"
    second = "second"

    def delta(self, interval: float) -> dt.timedelta:
        seconds = {"week": 604_800, "day": 86_400, "hour": 3_600, "minute": 60, "second": 1}[self.value]
        return dt.timedelta(seconds=seconds * interval)


class Countable(str, Enum):
    day = "day"
    time = "time"
    event = "event"
    resource = "resource"


def end_of_period(moment: dt.datetime, unit: TimeUnit) -> dt.datetime:
    """The last microsecond of the calendar `unit` holding `moment` (weeks end on Sunday)."""
    moment = timeutil.to_utc(moment)
    if unit is TimeUnit.second:
        start = moment.replace(microsecond=0)
        step = dt.timedelta(seconds=1)
    elif unit is TimeUnit.minute:
        start, step = moment.replace(second=0, microsecond=0), dt.timedelta(minutes=1)
    elif unit is TimeUnit.hour:
        start, step = moment.replace(minute=0, second=0, microsecond=0), dt.timedelta(hours=1)
    else:
        start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        step = dt.timedelta(days=1)
        if unit is TimeUnit.week:
            start -= dt.timedelta(days=start.weekday())
            step = dt.timedelta(days=7)
    return start + step - dt.timedelta(microseconds=1)


def validate_buckets(since: dt.datetime, until: dt.datetime, unit: TimeUnit, interval: float) -> None:
    """Raise InvalidInput (422) for an interval under 0.01 or more than 1000 buckets."""
    if interval < 0.01:
        raise InvalidInput("The minimum interval is 0.01")
    buckets = math.ceil((until - since) / unit.delta(interval))
    if buckets > MAX_BUCKETS:
        raise InvalidInput(
            f"The given interval would create {buckets} buckets, which is too many. Please increase "
            f"the interval or reduce the time range to produce {MAX_BUCKETS} buckets or fewer."
        )


def bucket_spans(
    since: dt.datetime, until: dt.datetime, unit: TimeUnit, interval: float
) -> tuple[int, list[tuple[dt.datetime, dt.datetime]]]:
    """The pivot-relative index of the first bucket, and each bucket's (start, end)."""
    validate_buckets(since, until, unit, interval)
    delta = unit.delta(interval)
    now = timeutil.now()
    end = end_of_period(now, unit) if until > now else until
    first = math.floor((since - PIVOT) / delta)
    spans = []
    start = PIVOT + delta * first
    while start < end:
        spans.append((start, start + delta - dt.timedelta(microseconds=1)))
        start += delta
    return first, spans


def count_by_time(
    occurred: Iterable[dt.datetime], since: dt.datetime, until: dt.datetime, unit: TimeUnit, interval: float
) -> list[EventCount]:
    """One count per bucket from `since` to `until` (values "0", "1", ... in order)."""
    first, spans = bucket_spans(since, until, unit, interval)
    delta = unit.delta(interval)
    counts = [0] * len(spans)
    for moment in occurred:
        index = math.floor((moment - PIVOT) / delta) - first
        if 0 <= index < len(counts):
            counts[index] += 1
    return [
        EventCount(value=str(i), label=start.isoformat(), count=counts[i], start_time=start, end_time=end)
        for i, (start, end) in enumerate(spans)
    ]
