"""Trigger state on every backend: counts kept across units of work, and concurrent
writers (two storages on one database, as two server processes) counting for one
automation never lose a count or fire twice."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from prefect_core import timeutil
from prefect_core.automations.triggers import TriggerEvaluator
from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.schemas.automations import Automation
from prefect_core.schemas.events import Event, Resource

pytestmark = pytest.mark.timeout(90)


def _event(name: str) -> Event:
    return Event(
        occurred=timeutil.now() - dt.timedelta(seconds=1),
        event=name,
        resource=Resource({"prefect.resource.id": "ext.1"}),
    )


async def _automation(storage, threshold: int) -> Automation:
    automation = Automation.model_validate(
        {
            "name": "count",
            "trigger": {"posture": "Reactive", "expect": ["ext.count"], "threshold": threshold, "within": 600},
            "actions": [{"type": "do-nothing"}],
        }
    )
    async with storage.write() as uow:
        return await uow.automations.create(automation)


async def _evaluate(storage, evaluator: TriggerEvaluator, event: Event) -> int:
    async with storage.write() as uow:
        stored = await uow.events.insert_many([event])
        return len(await evaluator.evaluate_events(uow, stored))


async def test_counts_persist_between_units_of_work(storage) -> None:
    await _automation(storage, threshold=3)
    fired = [await _evaluate(storage, TriggerEvaluator(), _event("ext.count")) for _ in range(4)]
    # A fresh evaluator each time (as after a restart): the count lives in the database.
    assert fired == [0, 0, 1, 0]


async def test_concurrent_writers_count_every_event_once(storage, settings) -> None:
    automation = await _automation(storage, threshold=8)
    backend = select_storage_backend(make_plugin_manager(), settings)
    async with backend.open() as other:
        evaluators = [TriggerEvaluator(), TriggerEvaluator()]
        stores = [storage, other]
        results = await asyncio.gather(
            *(_evaluate(stores[i % 2], evaluators[i % 2], _event("ext.count")) for i in range(8))
        )
    assert sum(results) == 1
    async with storage.read() as uow:
        # Fired once; the next window is open and empty.
        assert [b.count for b in await uow.automation_buckets.for_automation(automation.id)] == [0]


async def test_closed_reactive_windows_are_swept_and_proactive_ones_kept(storage) -> None:
    reactive = await _automation(storage, threshold=2)
    proactive = Automation.model_validate(
        {
            "name": "quiet",
            "trigger": {"posture": "Proactive", "expect": ["ext.other"], "within": 600},
            "actions": [{"type": "do-nothing"}],
        }
    )
    async with storage.write() as uow:
        await uow.automations.create(proactive)
    evaluator = TriggerEvaluator()
    assert await _evaluate(storage, evaluator, _event("ext.count")) == 0
    async with storage.write() as uow:
        assert await evaluator.evaluate_proactive(uow, timeutil.now() + dt.timedelta(seconds=1)) == []
        # The reactive window (600 s) is still open: kept.
        assert len(await uow.automation_buckets.for_automation(reactive.id)) == 1
    async with storage.write() as uow:
        later = timeutil.now() + dt.timedelta(seconds=700)
        fired = await evaluator.evaluate_proactive(uow, later)
        assert [f.automation.id for f in fired] == [proactive.id]  # its window closed empty
        assert await uow.automation_buckets.for_automation(reactive.id) == []
        assert len(await uow.automation_buckets.for_automation(proactive.id)) == 1  # the next window
