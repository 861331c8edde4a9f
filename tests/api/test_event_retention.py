"""The event retention service: old events and their resource rows go, batch by batch; recent ones stay."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.services.background.event_retention import EventRetention
from prefect_core.settings import Settings
from prefect_http.keys import SERVICES
from prefect_storage_sql import tables


def _event(days_ago: float, name: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "occurred": (timeutil.now() - dt.timedelta(days=days_ago)).isoformat(),
        "event": name,
        "resource": {"prefect.resource.id": f"test.{name}"},
        "related": [{"prefect.resource.id": "test.related", "prefect.resource.role": "thing"}],
    }


async def _resource_rows(storage, event_ids: list[str]) -> int:
    async with storage.read() as uow:
        stmt = sa.select(sa.func.count()).where(
            tables.event_resources.c.event_id.in_([uuid.UUID(i) for i in event_ids])
        )
        return int((await uow.conn.execute(stmt)).scalar_one())


async def test_events_older_than_the_period_are_deleted_in_batches(client) -> None:
    services = client.server.app[SERVICES]
    old = [_event(9 + i * 0.1, f"old{i}") for i in range(5)]
    recent = [_event(1, "recent"), _event(6.9, "nearly")]
    assert (await client.post("/api/events", json=old + recent)).status == 204
    await services.events.flush()
    assert await _resource_rows(services.storage, [e["id"] for e in old]) == 10

    retention = EventRetention(services.storage, dt.timedelta(days=7), batch_size=2)
    assert await retention.tick() == 5
    assert await retention.tick() == 0

    page = await (await client.post("/api/events/filter", json={"filter": {}})).json()
    assert sorted(e["event"] for e in page["events"]) == ["nearly", "recent"]
    assert await _resource_rows(services.storage, [e["id"] for e in old]) == 0
    assert await _resource_rows(services.storage, [e["id"] for e in recent]) == 4


def test_retention_period_setting() -> None:
    assert Settings.from_env({}).events_retention_period == dt.timedelta(days=7)
    assert Settings.from_env(
        {"PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "3600"}
    ).events_retention_period == dt.timedelta(hours=1)
    assert Settings.from_env({"PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "P2D"}).events_retention_period == dt.timedelta(
        days=2
    )
