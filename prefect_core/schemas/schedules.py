"""Schedules: interval, cron and RRule, and a deployment's schedules.

Field for field as the reference API's `IntervalSchedule`, `CronSchedule`,
`RRuleSchedule`, `DeploymentSchedule*` components. Which dates a schedule
produces is computed in `prefect_core.services.scheduling.dates`.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from prefect_core import timeutil
from prefect_core.schemas.base import ActionModel, ORMModel

#: Longest RRule string accepted (about a year of RDATEs, as the reference).
MAX_RRULE_LENGTH = 6500


@functools.lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def check_timezone(value: str | None) -> str | None:
    """An IANA zone name, or a ValueError worded as the reference words it."""
    if value and value not in _timezones():
        raise ValueError(f'Invalid timezone: "{value}" (specify in IANA tzdata format, for example, America/New_York)')
    return value


def _zone_of(moment: dt.datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    return key if key in _timezones() else "UTC"


def check_cron(value: str) -> str:
    """A cron string croniter accepts, without its random/hashed extensions."""
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(f'Invalid cron string: "{value}"')
    if any(part.casefold() in ("r", "h") for part in value.split()):
        raise ValueError(f'Random and Hashed expressions are unsupported, received: "{value}"')
    return value


def check_rrule(value: str) -> str:
    """An RRule string dateutil parses, at most `MAX_RRULE_LENGTH` long."""
    import dateutil.rrule

    try:
        dateutil.rrule.rrulestr(value, cache=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f'Invalid RRule string "{value}": {exc}') from None
    if len(value) > MAX_RRULE_LENGTH:
        raise ValueError(f'Invalid RRule string "{value[:40]}..."\nMax length is {MAX_RRULE_LENGTH}, got {len(value)}')
    return value


#: A positive duration; accepted as seconds, ISO-8601 or "HH:MM:SS", returned as seconds.
Interval = Annotated[
    dt.timedelta,
    PlainSerializer(lambda v: v.total_seconds(), return_type=float, when_used="json"),
]


class _Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntervalSchedule(_Schedule):
    interval: Interval
    anchor_date: dt.datetime = Field(default_factory=timeutil.now)
    timezone: str | None = None

    @field_validator("interval")
    @classmethod
    def _positive(cls, v: dt.timedelta) -> dt.timedelta:
        if v.total_seconds() <= 0:
            raise ValueError("interval must be positive")
        return v

    @field_validator("anchor_date", mode="before")
    @classmethod
    def _parse_anchor(cls, v: Any) -> Any:
        # A naive anchor is wall-clock time in the schedule's zone: keep it naive here.
        if isinstance(v, str):
            text = v.strip().replace(" ", "T", 1)
            return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
        return v

    # The validator's name shows in error locations ("function-after[validate_timezone(), ...]"),
    # which clients may match on: it is the reference's.
    @model_validator(mode="after")
    def validate_timezone(self) -> IntervalSchedule:
        # As the reference (and the client, which always sends an aware anchor): a naive anchor
        # is UTC, an aware one keeps its offset and reads back as sent. Without a timezone the
        # anchor's own zone names it; a bare offset ("-05:00") names none, so UTC.
        if self.anchor_date.tzinfo is None:
            self.anchor_date = self.anchor_date.replace(tzinfo=dt.UTC)
        self.timezone = check_timezone(self.timezone) or _zone_of(self.anchor_date)
        return self


class CronSchedule(_Schedule):
    cron: str
    timezone: str | None = None
    day_or: bool = True

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, v: str) -> str:
        return check_cron(v)

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, v: str | None) -> str | None:
        return check_timezone(v)

    @model_validator(mode="after")
    def validate_timezone(self) -> CronSchedule:
        # Named as the reference's (its name shows in error locations). A missing timezone stays
        # missing, as the reference returns it; the dates are then computed in UTC.
        return self


class RRuleSchedule(_Schedule):
    rrule: str
    timezone: str | None = "UTC"

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, v: str) -> str:
        return check_rrule(v)

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, v: str | None) -> str | None:
        return check_timezone(v)


Schedule = IntervalSchedule | CronSchedule | RRuleSchedule

#: Where an RRule without a DTSTART counts from (dateutil's own default, as in the reference).
RRULE_DEFAULT_START = dt.datetime(2020, 1, 1)


def _rrule_start(text: str, timezone: str | None, now: dt.datetime) -> dt.datetime:
    """The DTSTART written into an RRule that has none: the default start, except for
    secondly/minutely rules without COUNT, which start at the latest whole period since the
    default that is not after `now` (the same occurrences from then on, and dateutil does
    not walk years of them on every call)."""
    import dateutil.rrule

    parsed = dateutil.rrule.rrulestr(text, dtstart=RRULE_DEFAULT_START, cache=False)
    if not isinstance(parsed, dateutil.rrule.rrule) or parsed._count is not None:
        return RRULE_DEFAULT_START
    units = {dateutil.rrule.SECONDLY: 1, dateutil.rrule.MINUTELY: 60}
    if parsed._freq not in units:
        return RRULE_DEFAULT_START
    period = units[parsed._freq] * parsed._interval
    # DTSTART is floating (read in the schedule's zone), so count on that zone's wall clock.
    wall = now.astimezone(zoneinfo.ZoneInfo(timezone or "UTC")).replace(tzinfo=None)
    elapsed = (wall - RRULE_DEFAULT_START).total_seconds()
    if elapsed <= 0:
        return RRULE_DEFAULT_START
    return RRULE_DEFAULT_START + dt.timedelta(seconds=(elapsed // period) * period)


def with_rrule_start(schedule: Schedule) -> Schedule:
    """A schedule as written by a create or update: an RRule without DTSTART gets one (the
    reference's write path does this; reads return what was stored)."""
    if not isinstance(schedule, RRuleSchedule) or "DTSTART" in schedule.rrule.upper():
        return schedule
    start = _rrule_start(schedule.rrule, schedule.timezone, timeutil.now())
    return RRuleSchedule(rrule=f"DTSTART:{start:%Y%m%dT%H%M%S}\n{schedule.rrule}", timezone=schedule.timezone)


#: A schedule in a create or update body.
WrittenSchedule = Annotated[Schedule, AfterValidator(with_rrule_start)]


class DeploymentSchedule(ORMModel):
    deployment_id: UUID | None = None
    schedule: Schedule
    active: bool = True
    max_scheduled_runs: int | None = Field(default=None, gt=0)
    parameters: dict[str, Any] = Field(default_factory=dict)
    slug: str | None = None


#: The key of the validation context (`model_validate(..., context=...)`) holding the most
#: runs a schedule may ask for (PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS). Bodies
#: validated without it are not checked (the server's routes always give it).
MAX_SCHEDULED_RUNS_CONTEXT = "deployment_schedule_max_scheduled_runs"


def _within_server_maximum(value: int | None, info: ValidationInfo) -> int | None:
    limit = (info.context or {}).get(MAX_SCHEDULED_RUNS_CONTEXT)
    if value is not None and limit is not None and value > limit:
        raise ValueError(f"`max_scheduled_runs` must be less than or equal to {limit}.")
    return value


class DeploymentScheduleCreate(ActionModel):
    active: bool = True
    schedule: WrittenSchedule
    max_scheduled_runs: int | None = Field(default=None, gt=0)
    parameters: dict[str, Any] = Field(default_factory=dict)
    slug: str | None = None
    replaces: str | None = None

    @field_validator("max_scheduled_runs")
    @classmethod
    def _max_scheduled_runs(cls, value: int | None, info: ValidationInfo) -> int | None:
        return _within_server_maximum(value, info)


class DeploymentScheduleUpdate(ActionModel):
    active: bool | None = None
    schedule: WrittenSchedule | None = None
    max_scheduled_runs: int | None = Field(default=None, gt=0)
    parameters: dict[str, Any] = Field(default_factory=dict)
    slug: str | None = None
    replaces: str | None = None

    @field_validator("max_scheduled_runs")
    @classmethod
    def _max_scheduled_runs(cls, value: int | None, info: ValidationInfo) -> int | None:
        return _within_server_maximum(value, info)


def schedule_display_name(schedule: Schedule) -> str:
    """What the reference writes as `created_by.display_value` for a schedule without slug."""
    return type(schedule).__name__


__all__ = [
    "MAX_SCHEDULED_RUNS_CONTEXT",
    "CronSchedule",
    "DeploymentSchedule",
    "DeploymentScheduleCreate",
    "DeploymentScheduleUpdate",
    "IntervalSchedule",
    "RRuleSchedule",
    "Schedule",
    "schedule_display_name",
]
