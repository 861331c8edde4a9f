"""Causal ordering of reactive triggers: an event that `follows` another is counted after it,
whichever arrives first, on real storage."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from prefect_core import timeutil
from prefect_core.schemas.events import Event
from prefect_http.keys import SERVICES


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    return {**server_env, "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "true"}


def _services(client):
    return client.server.app[SERVICES]


def _event(name: str, seconds_ago: float = 0.0, follows: dict | None = None) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "occurred": (timeutil.now() - dt.timedelta(seconds=seconds_ago)).isoformat(),
        "event": name,
        "resource": {"prefect.resource.id": "ext.thing.1"},
    }
    if follows is not None:
        body["follows"] = follows["id"]
    return body


async def _send(client, *events: dict) -> None:
    assert (await client.post("/api/events", json=list(events))).status == 204
    await _services(client).events.flush()


async def _act(client) -> int:
    return await _services(client).automation_runtime.act_on_pending()


async def _sequence(client) -> None:
    parts = [{"posture": "Reactive", "expect": [name]} for name in ("ext.first", "ext.second")]
    body = {"name": "seq", "trigger": {"type": "sequence", "within": 60, "triggers": parts}}
    body["actions"] = [{"type": "do-nothing"}]
    assert (await client.post("/api/automations/", json=body)).status == 201


def _ordering(client):
    return _services(client).automation_runtime.evaluator.ordering


async def test_a_follower_arriving_first_waits_for_its_leader(client) -> None:
    await _sequence(client)
    first = _event("ext.first", seconds_ago=2)
    second = _event("ext.second", seconds_ago=1, follows=first)
    await _send(client, second)
    assert _ordering(client).held == 1
    assert await _act(client) == 0
    await _send(client, first)
    assert _ordering(client).held == 0
    assert await _act(client) == 1  # counted first, then second: the sequence holds


async def test_leader_and_follower_in_one_batch_are_counted_leader_first(client) -> None:
    await _sequence(client)
    first = _event("ext.first", seconds_ago=1)
    # The follower says it occurred earlier (another machine's clock): it still counts second.
    second = _event("ext.second", seconds_ago=2, follows=first)
    await _send(client, second, first)
    assert _ordering(client).held == 0
    assert await _act(client) == 1


async def test_a_follower_of_a_stored_event_is_counted_at_once(client) -> None:
    await _sequence(client)
    first = _event("ext.first", seconds_ago=2)
    await _send(client, first)
    await _send(client, _event("ext.second", seconds_ago=1, follows=first))
    assert _ordering(client).held == 0
    assert await _act(client) == 1


async def test_events_no_trigger_covers_are_never_held(client) -> None:
    await _sequence(client)
    await _send(client, _event("other.thing", follows=_event("other.leader")))
    assert _ordering(client).held == 0


async def test_a_leader_stored_by_another_process_releases_the_follower(client) -> None:
    await _sequence(client)
    services = _services(client)
    first = _event("ext.first", seconds_ago=2)
    await _send(client, _event("ext.second", seconds_ago=1, follows=first))
    assert _ordering(client).held == 1
    # Another server process stored (and counted) the leader: this one only sees the row.
    async with services.storage.write() as uow:
        await uow.events.insert_many([Event.model_validate(first)])
    async with services.storage.write() as uow:
        await services.automation_runtime.evaluator.evaluate_proactive(uow, timeutil.now())
    assert _ordering(client).held == 0


async def test_a_follower_whose_leader_never_comes_is_counted_after_the_lookback(client) -> None:
    body = {
        "name": "react",
        "trigger": {"posture": "Reactive", "expect": ["ext.second"], "threshold": 1, "within": 0},
        "actions": [{"type": "do-nothing"}],
    }
    assert (await client.post("/api/automations/", json=body)).status == 201
    services = _services(client)
    await _send(client, _event("ext.second", follows=_event("ext.lost")))
    assert _ordering(client).held == 1
    assert await _act(client) == 0
    async with services.storage.write() as uow:  # not yet waited long enough: still held
        assert await services.automation_runtime.evaluator.evaluate_proactive(uow, timeutil.now()) == []
    assert _ordering(client).held == 1
    _ordering(client).lookback = dt.timedelta(0)
    async with services.storage.write() as uow:
        fired = await services.automation_runtime.evaluator.evaluate_proactive(uow, timeutil.now())
    assert len(fired) == 1
    assert _ordering(client).held == 0
