"""Deployment schedules read back as the reference returns them (issue #10, part 6).

The expected bodies are what the reference (prefect 3.8.8's server schemas) gives for the
same input: a schedule's fields come back as sent, with the reference's defaults filled
(interval schedules name a timezone, RRules default to UTC, cron keeps a missing timezone
missing) and an RRule without DTSTART given the reference's default start.
"""

from __future__ import annotations

from typing import Any

import pytest

from prefect_core import timeutil

#: (what a client sends, what it reads back)
ROUND_TRIPS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"cron": "0 9 * * *"}, {"cron": "0 9 * * *", "timezone": None, "day_or": True}),
    ({"cron": "0 9 * * *", "timezone": None}, {"cron": "0 9 * * *", "timezone": None, "day_or": True}),
    (
        {"cron": "0 0 13 * 5", "timezone": "America/New_York", "day_or": False},
        {"cron": "0 0 13 * 5", "timezone": "America/New_York", "day_or": False},
    ),
    (
        {"interval": 3600, "anchor_date": "2026-01-01T09:00:00Z"},
        {"interval": 3600.0, "anchor_date": "2026-01-01T09:00:00Z", "timezone": "UTC"},
    ),
    (
        {"interval": 3600, "anchor_date": "2026-01-01T09:00:00"},
        {"interval": 3600.0, "anchor_date": "2026-01-01T09:00:00Z", "timezone": "UTC"},
    ),
    (
        {"interval": 86400, "anchor_date": "2026-06-01T09:00:00-04:00", "timezone": "America/New_York"},
        {"interval": 86400.0, "anchor_date": "2026-06-01T09:00:00-04:00", "timezone": "America/New_York"},
    ),
    (
        {"interval": "PT1H30M", "anchor_date": "2026-01-01T09:00:00.123456+01:00"},
        {"interval": 5400.0, "anchor_date": "2026-01-01T09:00:00.123456+01:00", "timezone": "UTC"},
    ),
    (
        {"rrule": "DTSTART:20260101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Paris"},
        {"rrule": "DTSTART:20260101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Paris"},
    ),
    (
        {"rrule": "FREQ=DAILY;BYHOUR=9", "timezone": None},
        {"rrule": "DTSTART:20200101T000000\nFREQ=DAILY;BYHOUR=9", "timezone": None},
    ),
    ({"rrule": "FREQ=DAILY"}, {"rrule": "DTSTART:20200101T000000\nFREQ=DAILY", "timezone": "UTC"}),
]


async def _flow(client: Any, name: str) -> str:
    return (await (await client.post("/api/flows/", json={"name": name})).json())["id"]


def _fields(schedule: dict[str, Any]) -> dict[str, Any]:
    """What a deployment schedule says, without its ids and timestamps."""
    return {k: schedule[k] for k in ("schedule", "active", "max_scheduled_runs", "parameters", "slug")}


@pytest.mark.parametrize(("sent", "expected"), ROUND_TRIPS)
async def test_a_schedule_reads_back_as_the_reference_returns_it(
    client: Any, sent: dict[str, Any], expected: dict[str, Any]
) -> None:
    flow_id = await _flow(client, "rt")
    created = await client.post(
        "/api/deployments/", json={"name": "d", "flow_id": flow_id, "schedules": [{"schedule": sent}]}
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    assert [s["schedule"] for s in body["schedules"]] == [expected]
    read = await (await client.get(f"/api/deployments/{body['id']}")).json()
    assert [s["schedule"] for s in read["schedules"]] == [expected]
    # The schedules endpoint stores and returns the same.
    url = f"/api/deployments/{body['id']}/schedules"
    added = await client.post(url, json=[{"schedule": sent, "slug": "again"}])
    assert added.status == 201 and (await added.json())[0]["schedule"] == expected
    listed = await (await client.get(url)).json()
    assert [s["schedule"] for s in listed] == [expected, expected]


async def test_every_deployment_schedule_field_round_trips(client: Any) -> None:
    flow_id = await _flow(client, "fields")
    sent = [
        {
            "schedule": {"cron": "*/5 * * * *"},
            "active": False,
            "max_scheduled_runs": 7,
            "parameters": {"x": 1, "nested": {"y": [1, 2]}},
            "slug": "every-five",
        },
        {"schedule": {"interval": 60, "anchor_date": "2026-01-01T00:00:00Z"}, "slug": "minutely"},
    ]
    created = await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id, "schedules": sent})
    assert created.status == 201, await created.text()
    read = await (await client.get(f"/api/deployments/{(await created.json())['id']}")).json()
    by_slug = {s["slug"]: _fields(s) for s in read["schedules"]}
    assert by_slug == {
        "every-five": {
            "schedule": {"cron": "*/5 * * * *", "timezone": None, "day_or": True},
            "active": False,
            "max_scheduled_runs": 7,
            "parameters": {"x": 1, "nested": {"y": [1, 2]}},
            "slug": "every-five",
        },
        "minutely": {
            "schedule": {"interval": 60.0, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"},
            "active": True,
            "max_scheduled_runs": None,
            "parameters": {},
            "slug": "minutely",
        },
    }


async def test_registering_the_same_cron_again_reads_back_the_same_schedule(client: Any) -> None:
    """What `flow.serve(name=..., schedules=[Cron("0 9 * * *")])` does when restarted."""
    flow_id = await _flow(client, "served")
    body = {"name": "served", "flow_id": flow_id, "schedules": [{"schedule": {"cron": "0 9 * * *"}, "active": True}]}
    first = await (await client.post("/api/deployments/", json=body)).json()
    again = await client.post("/api/deployments/", json=body)
    assert again.status == 200
    second = await again.json()
    assert second["id"] == first["id"]
    assert [_fields(s) for s in second["schedules"]] == [_fields(s) for s in first["schedules"]]
    assert second["schedules"][0]["schedule"] == {"cron": "0 9 * * *", "timezone": None, "day_or": True}


async def test_patching_a_schedule_stores_it_as_sent(client: Any) -> None:
    flow_id = await _flow(client, "patched")
    dep = await (
        await client.post(
            "/api/deployments/",
            json={"name": "d", "flow_id": flow_id, "schedules": [{"schedule": {"interval": 60}, "slug": "s"}]},
        )
    ).json()
    url = f"/api/deployments/{dep['id']}/schedules"
    schedule_id = dep["schedules"][0]["id"]
    patched = await client.patch(f"{url}/{schedule_id}", json={"schedule": {"cron": "0 9 * * *"}})
    assert patched.status == 204
    [stored] = await (await client.get(url)).json()
    assert stored["schedule"] == {"cron": "0 9 * * *", "timezone": None, "day_or": True}
    # The reference drops None values from a PATCH before storing, so an RRule sent with
    # `timezone: null` is stored with its default zone, UTC; its DTSTART is filled in.
    rrule = {"rrule": "FREQ=HOURLY", "timezone": None}
    assert (await client.patch(f"{url}/{schedule_id}", json={"schedule": rrule})).status == 204
    [stored] = await (await client.get(url)).json()
    assert stored["schedule"] == {"rrule": "DTSTART:20200101T000000\nFREQ=HOURLY", "timezone": "UTC"}


async def test_a_cron_without_timezone_schedules_its_runs_in_utc(client: Any) -> None:
    flow_id = await _flow(client, "utc")
    dep = await (
        await client.post(
            "/api/deployments/",
            json={"name": "d", "flow_id": flow_id, "schedules": [{"schedule": {"cron": "0 9 * * *"}}]},
        )
    ).json()
    body = {"start_time": "2030-03-09T00:00:00Z", "end_time": "2030-03-12T00:00:00Z", "min_runs": 3, "max_runs": 3}
    assert (await client.post(f"/api/deployments/{dep['id']}/schedule", json=body)).status == 200
    runs = await (
        await client.post(
            "/api/flow_runs/filter",
            json={"deployments": {"id": {"any_": [dep["id"]]}}, "sort": "EXPECTED_START_TIME_ASC"},
        )
    ).json()
    starts = [timeutil.parse(r["expected_start_time"]) for r in runs]
    assert starts == [timeutil.parse(f"2030-03-{day:02d}T09:00:00Z") for day in (9, 10, 11)]


async def test_a_deployment_patch_stores_its_schedules_as_sent(client: Any) -> None:
    flow_id = await _flow(client, "deployment-patch")
    dep = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow_id})).json()
    schedules = [
        {"schedule": {"cron": "0 9 * * *"}, "slug": "cron", "active": False},
        {"schedule": {"interval": 600, "anchor_date": "2026-01-01T09:00:00-05:00"}, "slug": "interval"},
    ]
    patched = await client.patch(f"/api/deployments/{dep['id']}", json={"schedules": schedules})
    assert patched.status == 204, await patched.text()
    read = await (await client.get(f"/api/deployments/{dep['id']}")).json()
    assert {s["slug"]: (s["schedule"], s["active"]) for s in read["schedules"]} == {
        "cron": ({"cron": "0 9 * * *", "timezone": None, "day_or": True}, False),
        "interval": ({"interval": 600.0, "anchor_date": "2026-01-01T09:00:00-05:00", "timezone": "UTC"}, True),
    }
