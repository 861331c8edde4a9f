"""Schedule math and run generation: pure, no I/O."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from prefect_core.schemas.deployments import Deployment
from prefect_core.schemas.schedules import (
    CronSchedule,
    DeploymentSchedule,
    DeploymentScheduleCreate,
    IntervalSchedule,
    RRuleSchedule,
)
from prefect_core.services.scheduling.dates import dates_between
from prefect_core.services.scheduling.runs import idempotency_key, schedule_dates, scheduled_runs
from prefect_core.services.work_pool_lookups import first_free_priority, reprioritised

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_cron_next_runs_exactly() -> None:
    got = list(dates_between(CronSchedule(cron="*/15 * * * *"), start=utc(2024, 1, 1, 0, 7), n=4))
    assert got == [utc(2024, 1, 1, 0, 15), utc(2024, 1, 1, 0, 30), utc(2024, 1, 1, 0, 45), utc(2024, 1, 1, 1, 0)]


def test_cron_includes_start_and_respects_end() -> None:
    got = list(dates_between(CronSchedule(cron="0 * * * *"), start=utc(2024, 1, 1, 3), end=utc(2024, 1, 1, 5)))
    assert got == [utc(2024, 1, 1, 3), utc(2024, 1, 1, 4), utc(2024, 1, 1, 5)]


def test_cron_in_a_timezone_keeps_wall_clock_across_dst() -> None:
    schedule = CronSchedule(cron="0 9 * * *", timezone="America/New_York")
    got = list(dates_between(schedule, start=utc(2024, 3, 9, 0), n=3))
    assert [d.astimezone(UTC) for d in got] == [utc(2024, 3, 9, 14), utc(2024, 3, 10, 13), utc(2024, 3, 11, 13)]


def test_cron_day_or_false_means_and() -> None:
    friday_13th = CronSchedule(cron="0 0 13 * 5", day_or=False)
    assert [d.date() for d in dates_between(friday_13th, start=utc(2024, 1, 1), n=2)] == [
        dt.date(2024, 9, 13),
        dt.date(2024, 12, 13),
    ]
    either = CronSchedule(cron="0 0 13 * 5", day_or=True)
    assert next(iter(dates_between(either, start=utc(2024, 1, 1)))).date() == dt.date(2024, 1, 5)


def test_interval_from_anchor() -> None:
    schedule = IntervalSchedule(interval=600, anchor_date="2024-01-01T00:05:00Z")
    got = list(dates_between(schedule, start=utc(2024, 1, 1, 1, 0), n=3))
    assert got == [utc(2024, 1, 1, 1, 5), utc(2024, 1, 1, 1, 15), utc(2024, 1, 1, 1, 25)]


def test_daily_interval_keeps_local_time_across_dst() -> None:
    schedule = IntervalSchedule(interval=86400, anchor_date="2024-03-08T09:00:00-05:00", timezone="America/New_York")
    got = [d.astimezone(UTC) for d in dates_between(schedule, start=utc(2024, 3, 9), n=3)]
    assert got == [utc(2024, 3, 9, 14), utc(2024, 3, 10, 13), utc(2024, 3, 11, 13)]


def test_a_naive_anchor_is_utc_as_the_reference_takes_it() -> None:
    # 09:00 UTC is 04:00 in New York; the daily run keeps 04:00 local across DST.
    schedule = IntervalSchedule(interval=86400, anchor_date="2024-03-08T09:00:00", timezone="America/New_York")
    assert schedule.model_dump(mode="json")["anchor_date"] == "2024-03-08T09:00:00Z"
    got = [d.astimezone(UTC) for d in dates_between(schedule, start=utc(2024, 3, 9), n=3)]
    assert got == [utc(2024, 3, 9, 9), utc(2024, 3, 10, 8), utc(2024, 3, 11, 8)]


def test_an_anchor_keeps_its_offset_and_an_offset_names_no_zone() -> None:
    schedule = IntervalSchedule(interval=3600, anchor_date="2026-01-01T09:00:00.5-05:00")
    assert schedule.model_dump(mode="json") == {
        "interval": 3600.0,
        "anchor_date": "2026-01-01T09:00:00.500000-05:00",
        "timezone": "UTC",
    }


def test_cron_and_rrule_without_a_timezone_stay_without_one_and_run_in_utc() -> None:
    cron = CronSchedule(cron="0 9 * * *")
    assert cron.model_dump(mode="json") == {"cron": "0 9 * * *", "timezone": None, "day_or": True}
    assert list(dates_between(cron, start=utc(2024, 3, 9), n=2)) == [utc(2024, 3, 9, 9), utc(2024, 3, 10, 9)]
    rrule = RRuleSchedule(rrule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0", timezone=None)
    assert rrule.timezone is None
    got = [d.astimezone(UTC) for d in dates_between(rrule, start=utc(2024, 3, 9), n=2)]
    assert got == [utc(2024, 3, 9, 9), utc(2024, 3, 10, 9)]
    assert RRuleSchedule(rrule="FREQ=DAILY").timezone == "UTC"  # the reference's default


def test_a_written_rrule_gets_a_dtstart_and_keeps_its_dates() -> None:
    daily = DeploymentScheduleCreate(schedule=RRuleSchedule(rrule="FREQ=DAILY;BYHOUR=8")).schedule
    assert isinstance(daily, RRuleSchedule)
    assert daily.rrule == "DTSTART:20200101T000000\nFREQ=DAILY;BYHOUR=8"
    anchored = DeploymentScheduleCreate.model_validate({"schedule": {"rrule": "DTSTART:20260101T090000\nFREQ=DAILY"}})
    assert anchored.schedule.model_dump() == {"rrule": "DTSTART:20260101T090000\nFREQ=DAILY", "timezone": "UTC"}
    # A minutely rule starts at the latest whole period before now, on the schedule's wall clock.
    every_7 = DeploymentScheduleCreate.model_validate(
        {"schedule": {"rrule": "FREQ=MINUTELY;INTERVAL=7", "timezone": "America/New_York"}}
    ).schedule
    assert isinstance(every_7, RRuleSchedule)
    first_line, rule = every_7.rrule.split("\n")
    assert rule == "FREQ=MINUTELY;INTERVAL=7"
    start = dt.datetime.strptime(first_line, "DTSTART:%Y%m%dT%H%M%S")
    wall_now = dt.datetime.now(ZoneInfo("America/New_York")).replace(tzinfo=None)
    assert dt.timedelta(0) <= wall_now - start < dt.timedelta(minutes=7, seconds=2)
    assert (start - dt.datetime(2020, 1, 1)).total_seconds() % 420 == 0
    # Its dates keep that phase (so the phase of counting from 2020, as a bare rule does).
    local = start.replace(tzinfo=ZoneInfo("America/New_York"))
    upcoming = list(dates_between(every_7, start=local + dt.timedelta(minutes=10), n=3))
    assert upcoming == [local + dt.timedelta(minutes=m) for m in (14, 21, 28)]


def test_rrule_dates() -> None:
    schedule = RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0")
    got = list(dates_between(schedule, start=utc(2024, 1, 2), n=2))
    assert got == [utc(2024, 1, 8, 8), utc(2024, 1, 15, 8)]


@pytest.mark.parametrize(
    "model, data",
    [
        (CronSchedule, {"cron": "every day"}),
        (CronSchedule, {"cron": "H * * * *"}),
        (CronSchedule, {"cron": "* * * * *", "timezone": "Nowhere/City"}),
        (RRuleSchedule, {"rrule": "FREQ=FORTNIGHTLY"}),
        (IntervalSchedule, {"interval": 0}),
        (IntervalSchedule, {"interval": 60, "extra": 1}),
    ],
)
def test_bad_schedules_are_rejected(model, data) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(data)


def _deployment(**kw) -> Deployment:
    return Deployment(name="d", flow_id=uuid4(), tags=["t"], parameters={"a": 1}, **kw)


def test_schedule_dates_stop_at_min_runs_and_min_time() -> None:
    schedule = DeploymentSchedule(schedule=IntervalSchedule(interval=60, anchor_date="2024-01-01T00:00:00Z"))
    start = utc(2024, 1, 1)
    hour = schedule_dates(
        schedule,
        start=start,
        end=start + dt.timedelta(days=100),
        min_time=dt.timedelta(hours=1),
        min_runs=3,
        max_runs=100,
    )
    assert len(hour) == 61 and hour[-1] == utc(2024, 1, 1, 1)
    capped = DeploymentSchedule(schedule=schedule.schedule, max_scheduled_runs=5)
    assert (
        len(
            schedule_dates(
                capped,
                start=start,
                end=start + dt.timedelta(days=1),
                min_time=dt.timedelta(hours=1),
                min_runs=3,
                max_runs=100,
            )
        )
        == 5
    )


def test_scheduled_runs_are_deterministic_and_tagged() -> None:
    deployment = _deployment(labels={"x": "y"})
    schedule = DeploymentSchedule(
        schedule=CronSchedule(cron="0 0 * * *"), parameters={"b": 2}, slug="nightly", deployment_id=deployment.id
    )
    kw = dict(start=utc(2024, 1, 1), end=utc(2024, 2, 1), min_time=dt.timedelta(0), min_runs=3, max_runs=10)
    first = scheduled_runs(deployment, [schedule], **kw)
    again = scheduled_runs(deployment, [schedule], **kw)
    assert [r.idempotency_key for r in first] == [r.idempotency_key for r in again]
    assert first[0].idempotency_key == idempotency_key(deployment.id, schedule.id, utc(2024, 1, 1))
    run = first[0]
    assert run.tags == ["auto-scheduled", "t"] and run.parameters == {"a": 1, "b": 2}
    assert (
        run.state is not None
        and run.state.name == "Scheduled"
        and run.state.state_details.scheduled_time == utc(2024, 1, 1)
    )
    assert (
        run.created_by is not None and run.created_by.display_value == "nightly" and run.created_by.type == "SCHEDULE"
    )
    assert run.labels == {
        "x": "y",
        "prefect.flow.id": str(deployment.flow_id),
        "prefect.deployment.id": str(deployment.id),
    }


def test_queue_priorities_shift_like_the_reference() -> None:
    a, b, c, d = (uuid4() for _ in range(4))
    assert first_free_priority([1, 2, 4]) == 3 and first_free_priority([]) == 1 and first_free_priority([1, 2]) == 3
    assert reprioritised([(a, 1), (b, 2), (c, 3)], {c: 1}) == {c: 1, a: 2, b: 3}
    assert reprioritised([(a, 1), (b, 5)], {d: 2}) == {d: 2}
    assert reprioritised([(a, 1), (b, 3)], {}) == {}
