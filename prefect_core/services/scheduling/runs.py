"""Which flow runs a deployment's schedules call for: pure, no I/O.

Every run carries a deterministic idempotency key built from the deployment,
the schedule and the date, so generating the same runs twice (another tick,
another server process) inserts them once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from prefect_core import timeutil
from prefect_core.schemas.base import KeyValueLabels
from prefect_core.schemas.deployments import Deployment
from prefect_core.schemas.runs import CreatedBy, FlowRun
from prefect_core.schemas.schedules import DeploymentSchedule, schedule_display_name
from prefect_core.schemas.states import State, StateDetails, StateType
from prefect_core.services.scheduling.dates import dates_between


@dataclass(frozen=True)
class Horizon:
    """How far ahead to schedule (the reference's scheduler settings)."""

    #: Schedule at most this many runs per schedule (PREFECT_..._SCHEDULER_MAX_RUNS).
    max_runs: int = 100
    #: ...and at least this many, if the schedule has them before `max_time`.
    min_runs: int = 3
    #: Never schedule beyond this far ahead.
    max_time: dt.timedelta = dt.timedelta(days=100)
    #: Keep scheduling until at least this far ahead is covered.
    min_time: dt.timedelta = dt.timedelta(hours=1)


def deployment_run_labels(deployment: Deployment, extra: KeyValueLabels | None = None) -> KeyValueLabels:
    """A deployment's run labels: its own, the system ones, then the caller's."""
    system = {"prefect.flow.id": str(deployment.flow_id), "prefect.deployment.id": str(deployment.id)}
    return {**(deployment.labels or {}), **system, **(extra or {})}


def idempotency_key(deployment_id: object, schedule_id: object, when: dt.datetime) -> str:
    """The key of the run a schedule makes for `when` (same inputs, same key)."""
    # A fixed format of its own: the key must not change when display formats do.
    stamp = timeutil.to_utc(when).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return f"scheduled {deployment_id} {schedule_id} {stamp}"


def schedule_dates(
    schedule: DeploymentSchedule,
    *,
    start: dt.datetime,
    end: dt.datetime,
    min_time: dt.timedelta,
    min_runs: int,
    max_runs: int,
) -> list[dt.datetime]:
    """The fewest dates from `start` meeting `min_runs` and `start + min_time`,
    never more than `max_runs` (or the schedule's own cap) and never after `end`."""
    cap = min(max_runs, schedule.max_scheduled_runs or max_runs)
    dates: list[dt.datetime] = []
    for when in dates_between(schedule.schedule, start=start, end=end, n=cap):
        dates.append(timeutil.to_utc(when))
        if len(dates) >= min_runs and when >= start + min_time:
            break
    return dates


def scheduled_runs(
    deployment: Deployment,
    schedules: Sequence[DeploymentSchedule],
    *,
    start: dt.datetime,
    end: dt.datetime,
    min_time: dt.timedelta,
    min_runs: int,
    max_runs: int,
    auto_scheduled: bool = True,
) -> list[FlowRun]:
    """The SCHEDULED runs `schedules` call for between `start` and `end`."""
    runs: list[FlowRun] = []
    tags = (["auto-scheduled"] if auto_scheduled else []) + list(deployment.tags)
    labels = deployment_run_labels(deployment)
    for schedule in schedules:
        parameters = {**deployment.parameters, **schedule.parameters}
        created_by = CreatedBy(
            id=schedule.id, type="SCHEDULE", display_value=schedule.slug or schedule_display_name(schedule.schedule)
        )
        dates = schedule_dates(schedule, start=start, end=end, min_time=min_time, min_runs=min_runs, max_runs=max_runs)
        for when in dates:
            run = FlowRun(
                flow_id=deployment.flow_id,
                deployment_id=deployment.id,
                deployment_version=deployment.version,
                work_queue_name=deployment.work_queue_name,
                work_queue_id=deployment.work_queue_id,
                parameters=parameters,
                infrastructure_document_id=deployment.infrastructure_document_id,
                idempotency_key=idempotency_key(deployment.id, schedule.id, when),
                tags=tags,
                labels=labels,
                auto_scheduled=auto_scheduled,
                created_by=created_by,
                expected_start_time=when,
                next_scheduled_start_time=when,
                state_type=StateType.SCHEDULED,
                state_name="Scheduled",
            )
            run.state = State(
                type=StateType.SCHEDULED,
                name="Scheduled",
                message="Flow run scheduled",
                state_details=StateDetails(scheduled_time=when, flow_run_id=run.id),
            )
            runs.append(run)
    return runs
