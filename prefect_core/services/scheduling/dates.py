"""The dates a schedule produces: pure functions, no I/O.

Semantics follow the reference: every generator yields aware datetimes on or
after `start`, never after `end`, at most `n`, with duplicates (DST folds)
dropped, and gives up after `MAX_ITERATIONS` candidates.

- Interval: `anchor + k * interval`. The whole-days part of the interval is
  added on the local wall clock of the schedule's zone (a daily 9am schedule
  stays at 9am across DST); the rest is added in absolute time.
- Cron: croniter over the local wall clock of the schedule's zone.
- RRule: dateutil's rrule with its DTSTART (default 2020-01-01) put in the zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from prefect_core import timeutil
from prefect_core.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule, Schedule

if TYPE_CHECKING:  # imported lazily at run time: parsing an rrule is rare
    from dateutil.rrule import rrule, rrulebase

MAX_ITERATIONS = 1000
_RRULE_ANCHOR = dt.datetime(2020, 1, 1)


def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def _bounds(n: int | None, end: dt.datetime | None) -> int:
    if n is not None:
        return n
    return MAX_ITERATIONS if end is not None else 1


def _localize(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    # A naive bound is taken to be in the schedule's zone, as in the reference.
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def dates_between(
    schedule: Schedule,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    n: int | None = None,
) -> Iterator[dt.datetime]:
    """Yield the schedule's dates in [start, end], at most `n` (1 when neither n nor end)."""
    start = start or timeutil.now()
    if isinstance(schedule, IntervalSchedule):
        return _interval_dates(schedule, start, end, _bounds(n, end))
    if isinstance(schedule, CronSchedule):
        return _cron_dates(schedule, start, end, _bounds(n, end))
    if isinstance(schedule, RRuleSchedule):
        return _rrule_dates(schedule, start, end, _bounds(n, end))
    raise TypeError(f"unknown schedule {type(schedule).__name__}")


def _collect(candidates: Iterator[dt.datetime], end: dt.datetime | None, n: int) -> Iterator[dt.datetime]:
    seen: set[dt.datetime] = set()
    for counter, moment in enumerate(candidates):
        if end is not None and moment > end:
            return
        if moment not in seen:
            seen.add(moment)
            yield moment
        if len(seen) >= n or counter > MAX_ITERATIONS:
            return


def _interval_dates(
    schedule: IntervalSchedule, start: dt.datetime, end: dt.datetime | None, n: int
) -> Iterator[dt.datetime]:
    zone = _zone(schedule.timezone)
    start = _localize(start, zone)
    end = _localize(end, zone) if end is not None else None
    anchor = schedule.anchor_date.astimezone(zone)
    step = schedule.interval
    days = step.days
    rest = step - dt.timedelta(days=days)

    def advance(moment: dt.datetime) -> dt.datetime:
        if days:
            wall = moment.replace(tzinfo=None) + dt.timedelta(days=days)
            moment = wall.replace(tzinfo=zone)
        return (moment.astimezone(dt.UTC) + rest).astimezone(zone)

    # Jump close to `start` in absolute time, then walk.
    skipped = int((start - anchor).total_seconds() / step.total_seconds())
    current = (anchor.astimezone(dt.UTC) + step * skipped).astimezone(zone)
    while current < start:
        current = advance(current)

    def walk() -> Iterator[dt.datetime]:
        moment = current
        while True:
            yield moment
            moment = advance(moment)

    return _collect(walk(), end, n)


def _cron_dates(schedule: CronSchedule, start: dt.datetime, end: dt.datetime | None, n: int) -> Iterator[dt.datetime]:
    from croniter import croniter

    zone = _zone(schedule.timezone)
    start = _localize(start, zone)
    end = _localize(end, zone) if end is not None else None
    # croniter returns times strictly after its base: step back a second so that
    # `start` itself counts, rounding a fractional start up to the next second.
    base = start.replace(tzinfo=None) - dt.timedelta(seconds=1)
    if base.microsecond:
        base = base.replace(microsecond=0) + dt.timedelta(seconds=1)
    cron = croniter(schedule.cron, base, day_or=schedule.day_or)

    def walk() -> Iterator[dt.datetime]:
        while True:
            wall = cron.get_next(dt.datetime)
            moment = wall.replace(tzinfo=zone)
            # Wall-clock times skipped by a DST jump do not exist; move them forward.
            if moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
                moment = moment.astimezone(dt.UTC).astimezone(zone)
            if moment >= start:
                yield moment

    return _collect(walk(), end, n)


def _rrule_dates(schedule: RRuleSchedule, start: dt.datetime, end: dt.datetime | None, n: int) -> Iterator[dt.datetime]:
    zone = _zone(schedule.timezone)
    start = _localize(start, zone)
    end = _localize(end, zone) if end is not None else None
    rule = _localized_rrule(schedule.rrule, zone)
    candidates = (moment.astimezone(zone) for moment in rule.xafter(start, count=None, inc=True))
    return _collect(candidates, end, n)


def _localized_rrule(text: str, zone: ZoneInfo) -> rrulebase:
    """Parse `text` and put every DTSTART/UNTIL/RDATE/EXDATE in `zone`."""
    import dateutil.rrule

    rule = dateutil.rrule.rrulestr(text, dtstart=_RRULE_ANCHOR, cache=True)

    def local(r: rrule) -> rrule:
        changes = {"dtstart": r._dtstart.replace(tzinfo=zone)}
        if r._until:
            changes["until"] = r._until.replace(tzinfo=zone)
        return r.replace(**changes)

    if isinstance(rule, dateutil.rrule.rrule):
        return local(rule)
    rule._rrule = [local(r) for r in rule._rrule]
    rule._exrule = [local(r) for r in rule._exrule]
    rule._rdate = [d.replace(tzinfo=zone) for d in rule._rdate]
    rule._exdate = [d.replace(tzinfo=zone) for d in rule._exdate]
    return rule
