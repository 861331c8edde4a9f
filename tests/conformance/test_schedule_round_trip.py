"""Deployment schedules through the real client: what it sends is what it reads back, and a
served flow registered again with the same schedule sees the same schedule (issue #10, part 6)."""

from __future__ import annotations

import pytest

from tests.conformance.support import ClientRunner

pytestmark = pytest.mark.conformance

CREATE_AND_READ = """
import datetime as dt
from prefect import flow, get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

@flow(name=f"schedules-{SUFFIX}")
def scheduled():
    pass

utc = dt.timezone.utc
sent = [
    DeploymentScheduleCreate(
        schedule=IntervalSchedule(interval=dt.timedelta(hours=1), anchor_date=dt.datetime(2026, 1, 1, 9, tzinfo=utc)),
        slug="hourly",
        parameters={"x": 1},
    ),
    DeploymentScheduleCreate(
        schedule=IntervalSchedule(
            interval=dt.timedelta(days=1),
            anchor_date=dt.datetime(2026, 6, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=-4))),
            timezone="America/New_York",
        ),
        slug="daily-new-york",
    ),
    DeploymentScheduleCreate(schedule=CronSchedule(cron="0 9 * * *"), slug="cron", active=False, max_scheduled_runs=5),
    DeploymentScheduleCreate(
        schedule=CronSchedule(cron="0 9 * * 1-5", timezone="Europe/Paris", day_or=False), slug="cron-paris"
    ),
    DeploymentScheduleCreate(schedule=RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO,WE", timezone="America/Chicago"), slug="rrule"),
    DeploymentScheduleCreate(schedule=RRuleSchedule(rrule="FREQ=DAILY;BYHOUR=7", timezone=None), slug="rrule-no-zone"),
]
fields = ("active", "max_scheduled_runs", "parameters", "slug")
with get_client(sync_client=True) as client:
    flow_id = client.create_flow(scheduled)
    deployment_id = client.create_deployment(flow_id=flow_id, name=f"dep-{SUFFIX}", schedules=sent)
    read = {s.slug: s for s in client.read_deployment(deployment_id).schedules}
    listed = {s.slug: s for s in client.read_deployment_schedules(deployment_id)}
report(
    sent={s.slug: {"schedule": s.schedule.model_dump(mode="json"), **s.model_dump(mode="json", include=set(fields))} for s in sent},
    read={slug: {"schedule": s.schedule.model_dump(mode="json"), **s.model_dump(mode="json", include=set(fields))} for slug, s in read.items()},
    listed={slug: s.schedule.model_dump(mode="json") for slug, s in listed.items()},
    equal={slug: read[slug].schedule == s.schedule for slug, s in ((s.slug, s) for s in sent)},
)
"""

SERVED_TWICE = """
from prefect import flow, get_client
from prefect.runner import Runner
from prefect.schedules import Cron

@flow(name=f"served-{SUFFIX}")
def served():
    pass

seen = []
for attempt in range(2):  # as `served.serve(...)` stopped and started again registers it
    runner = Runner(name=f"runner-{SUFFIX}-{attempt}")
    deployment_id = runner.add_flow(served, name=f"served-{SUFFIX}", schedules=[Cron("0 9 * * *")])
    with get_client(sync_client=True) as client:
        schedules = client.read_deployment(deployment_id).schedules
    seen.append({
        "deployment_id": str(deployment_id),
        "schedules": [
            {"schedule": s.schedule.model_dump(mode="json"), "active": s.active, "slug": s.slug,
             "parameters": s.parameters, "max_scheduled_runs": s.max_scheduled_runs}
            for s in schedules
        ],
    })
report(seen=seen)
"""


def test_schedules_read_back_as_the_client_sent_them(prefect: ClientRunner) -> None:
    result = prefect.run(CREATE_AND_READ).result
    assert result["read"] == result["sent"]
    assert result["listed"] == {slug: entry["schedule"] for slug, entry in result["sent"].items()}
    assert all(result["equal"].values()), result["equal"]
    # The cases the issue names, spelled out.
    assert result["read"]["cron"]["schedule"] == {"cron": "0 9 * * *", "timezone": None, "day_or": True}
    assert result["read"]["cron"]["active"] is False and result["read"]["cron"]["max_scheduled_runs"] == 5
    assert result["read"]["daily-new-york"]["schedule"]["timezone"] == "America/New_York"
    # The client anchors an RRule before sending it; that is what reads back.
    assert result["read"]["rrule"]["schedule"]["rrule"].startswith("DTSTART:")


def test_a_served_flow_registered_again_sees_the_same_schedule(prefect: ClientRunner) -> None:
    first, second = prefect.run(SERVED_TWICE).result["seen"]
    assert second["deployment_id"] == first["deployment_id"]
    assert second["schedules"] == first["schedules"]
    [schedule] = first["schedules"]
    assert schedule["schedule"] == {"cron": "0 9 * * *", "timezone": None, "day_or": True}
    assert schedule["active"] is True
