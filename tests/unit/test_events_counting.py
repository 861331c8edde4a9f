"""Time buckets for /events/count-by/{day,time}."""

from __future__ import annotations

import datetime as dt

import pytest

from prefect_core.errors import InvalidInput
from prefect_core.events.counting import PIVOT, TimeUnit, count_by_time, end_of_period

UTC = dt.UTC


def test_buckets_are_aligned_on_the_pivot_and_empty_ones_are_kept() -> None:
    since = dt.datetime(2025, 1, 1, 10, 30, tzinfo=UTC)
    until = dt.datetime(2025, 1, 1, 13, 0, tzinfo=UTC)
    times = [
        dt.datetime(2025, 1, 1, 10, 45, tzinfo=UTC),
        dt.datetime(2025, 1, 1, 12, 1, tzinfo=UTC),
        dt.datetime(2025, 1, 1, 12, 59, tzinfo=UTC),
    ]
    counts = count_by_time(times, since, until, TimeUnit.hour, 1)
    assert [c.count for c in counts] == [1, 0, 2]
    assert [c.value for c in counts] == ["0", "1", "2"]
    assert counts[0].start_time == dt.datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert counts[0].end_time == dt.datetime(2025, 1, 1, 10, 59, 59, 999999, tzinfo=UTC)
    assert counts[0].label == "2025-01-01T10:00:00+00:00"


def test_weeks_start_on_the_pivot_monday() -> None:
    since = PIVOT + dt.timedelta(days=9)
    counts = count_by_time([], since, since + dt.timedelta(days=1), TimeUnit.week, 1)
    assert counts[0].start_time == PIVOT + dt.timedelta(days=7)


def test_a_range_reaching_into_the_future_ends_with_the_current_period() -> None:
    now = dt.datetime.now(UTC)
    counts = count_by_time([], now - dt.timedelta(days=2), now + dt.timedelta(days=30), TimeUnit.day, 1)
    assert counts[-1].end_time == end_of_period(now, TimeUnit.day)
    assert len(counts) == 3


def test_too_many_buckets_or_a_tiny_interval_are_refused() -> None:
    since = dt.datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="too many"):
        count_by_time([], since, since + dt.timedelta(days=2), TimeUnit.minute, 1)
    with pytest.raises(InvalidInput, match="minimum interval"):
        count_by_time([], since, since + dt.timedelta(days=2), TimeUnit.day, 0.001)


def test_end_of_period() -> None:
    moment = dt.datetime(2025, 1, 1, 10, 30, 15, 5, tzinfo=UTC)  # a Wednesday
    assert end_of_period(moment, TimeUnit.minute) == dt.datetime(2025, 1, 1, 10, 30, 59, 999999, tzinfo=UTC)
    assert end_of_period(moment, TimeUnit.week) == dt.datetime(2025, 1, 5, 23, 59, 59, 999999, tzinfo=UTC)
