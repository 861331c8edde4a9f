"""The in-memory broker: fan-out, per-subscriber filters, slow subscribers dropped."""

from __future__ import annotations

import asyncio

import pytest

from prefect_core.errors import ConfigurationError
from prefect_core.events.brokers import make_event_broker
from prefect_core.events.memory_broker import MemoryBroker
from prefect_core.settings import Settings
from tests.unit.event_builders import event


async def _take(stream, n: int) -> list:
    out = []
    async for item in stream:
        out.append(item)
        if len(out) == n:
            break
    return out


async def test_every_subscriber_gets_every_event_in_order() -> None:
    broker = MemoryBroker()
    events = [event(f"e.{i}") for i in range(5)]
    async with broker.subscribe() as a, broker.subscribe() as b:
        await broker.publish(events[:2])
        await broker.publish(events[2:])
        got_a, got_b = await asyncio.gather(_take(a, 5), _take(b, 5))
    assert [e.id for e in got_a] == [e.id for e in events]
    assert [e.id for e in got_b] == [e.id for e in events]


async def test_a_subscriber_only_sees_what_it_matches() -> None:
    broker = MemoryBroker()
    async with broker.subscribe(lambda e: e.event.startswith("keep")) as stream:
        await broker.publish([event("drop.1"), event("keep.1"), event("drop.2"), event("keep.2")])
        got = await _take(stream, 2)
    assert [e.event for e in got] == ["keep.1", "keep.2"]


async def test_events_published_before_subscribing_are_not_seen() -> None:
    broker = MemoryBroker()
    await broker.publish([event("early")])
    async with broker.subscribe() as stream:
        await broker.publish([event("late")])
        assert [e.event for e in await _take(stream, 1)] == ["late"]


async def test_a_slow_subscriber_is_dropped_without_blocking_the_publisher(caplog) -> None:
    broker = MemoryBroker(subscriber_backlog=3)
    async with broker.subscribe() as slow, broker.subscribe() as fast:
        for i in range(10):
            # Never waits, whatever the slow subscriber does.
            await asyncio.wait_for(broker.publish([event(f"e.{i}")]), timeout=1)
            assert [e.event for e in await _take(fast, 1)] == [f"e.{i}"]
        # The slow one keeps what it had queued, then its stream ends.
        assert [e.event for e in [x async for x in slow]] == ["e.0", "e.1", "e.2"]
        assert broker.subscriber_count == 1
    assert "dropping an event subscriber" in caplog.text


async def test_leaving_the_block_unsubscribes_and_close_ends_streams() -> None:
    broker = MemoryBroker()
    async with broker.subscribe():
        assert broker.subscriber_count == 1
    assert broker.subscriber_count == 0
    async with broker.subscribe() as stream:
        await broker.close()
        assert [x async for x in stream] == []
    async with broker.subscribe() as stream:  # after close: ends at once
        assert [x async for x in stream] == []


def test_the_memory_broker_is_built_in_and_unknown_ones_fail_clearly() -> None:
    assert isinstance(make_event_broker(None, Settings()), MemoryBroker)
    with pytest.raises(ConfigurationError, match="installed brokers: memory"):
        make_event_broker(None, Settings(broker_backend="kafka"))


def test_a_plugin_broker_is_selected_by_name() -> None:
    from prefect_core.hookspecs import hookimpl
    from prefect_core.plugins import make_plugin_manager

    class FakeBroker(MemoryBroker):
        @classmethod
        def from_settings(cls, settings: Settings) -> FakeBroker:
            broker = cls()
            broker.url = settings.redis_url  # type: ignore[attr-defined]
            return broker

    class Plugin:
        @hookimpl
        def prefect_server_event_broker(self):
            return ("fake", FakeBroker)

    pm = make_plugin_manager(load_entrypoints=False, plugins=[Plugin()])
    broker = make_event_broker(pm, Settings(broker_backend="fake", redis_url="redis://x"))
    assert isinstance(broker, FakeBroker) and broker.url == "redis://x"
