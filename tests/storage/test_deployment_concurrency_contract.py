"""The deployment repository's view of the global limit that governs a deployment, on every
backend: its own limit or one linked to it, read under the limit row's lock, one reader at a
time."""

from __future__ import annotations

import asyncio

import pytest

from prefect_core import timeutil
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.schemas.concurrency_limits import ConcurrencyLimitV2
from prefect_core.schemas.deployments import (
    ConcurrencyOptions,
    Deployment,
    DeploymentConcurrency,
    deployment_limit_name,
)
from prefect_core.schemas.flows import Flow
from prefect_core.services.deployment_limits import apply_limit_fields

pytestmark = pytest.mark.timeout(60)


async def _deployment(storage, limit: int | None, options: ConcurrencyOptions | None = None, **given):
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="f", tags=["ft"]))
        candidate = Deployment(name=f"d{limit}{options}{given}", flow_id=flow.id, concurrency_options=options)
        deployment, _ = await uow.deployments.upsert(candidate, set())
        await apply_limit_fields(uow, deployment, {"concurrency_limit": limit, **given})
    return deployment


async def _lock(storage, deployment: Deployment) -> DeploymentConcurrency | None:
    async with storage.write() as uow:
        return await uow.deployments.lock_concurrency(deployment.id)


async def _take(storage, found: DeploymentConcurrency, slots: int = 1) -> None:
    async with storage.write() as uow:
        assert await uow.concurrency_limits.increment([found.limit_id], slots, timeutil.now(), SlotWaits())


async def test_no_limit_or_no_deployment_reads_nothing(storage) -> None:
    unlimited = await _deployment(storage, None)
    assert await _lock(storage, unlimited) is None
    async with storage.write() as uow:
        assert await uow.deployments.lock_concurrency(Flow(name="x").id) is None


async def test_the_backing_limit_its_strategy_and_lease_period(storage) -> None:
    dep = await _deployment(storage, 3, ConcurrencyOptions(collision_strategy="CANCEL_NEW", grace_period_seconds=120))
    found = await _lock(storage, dep)
    assert (found.limit, found.collision_strategy, found.active_slots, found.lease_seconds) == (
        3,
        "CANCEL_NEW",
        0,
        120.0,
    )
    async with storage.read() as uow:
        backing = await uow.concurrency_limits.get_by_name(deployment_limit_name(dep.id), timeutil.now(), SlotWaits())
        shown = (await uow.deployments.get(dep.id)).global_concurrency_limit
    assert backing.id == found.limit_id == shown.id
    await _take(storage, found, 2)
    assert (await _lock(storage, dep)).active_slots == 2
    async with storage.read() as uow:
        assert (await uow.deployments.get(dep.id)).global_concurrency_limit.active_slots == 2
    plain = await _lock(storage, await _deployment(storage, 1))
    assert (plain.collision_strategy, plain.lease_seconds) == ("ENQUEUE", None)  # None: the server's default


async def test_a_linked_limit_is_the_one_read_and_locked(storage) -> None:
    now = timeutil.now()
    shared = ConcurrencyLimitV2(name="shared", limit=4, active_slots=1, created=now, updated=now)
    async with storage.write() as uow:
        await uow.concurrency_limits.insert(shared, now)
    dep = await _deployment(storage, None, global_concurrency_limit_id=shared.id)
    found = await _lock(storage, dep)
    assert (found.limit_id, found.limit, found.active_slots) == (shared.id, 4, 1)
    async with storage.read() as uow:
        assert (await uow.deployments.get(dep.id)).global_concurrency_limit.name == "shared"
    # The limit deleted: the foreign key unlinks it, and the deployment is unlimited.
    async with storage.write() as uow:
        await uow.concurrency_limits.delete(shared.id)
    assert await _lock(storage, dep) is None
    async with storage.read() as uow:
        assert (await uow.deployments.get(dep.id)).global_concurrency_limit is None


async def test_a_linked_rate_limits_slots_are_read_as_decayed(storage) -> None:
    now = timeutil.now()
    rate = ConcurrencyLimitV2(name="rate", limit=1, slot_decay_per_second=1000.0, created=now, updated=now)
    async with storage.write() as uow:
        await uow.concurrency_limits.insert(rate, now)
    dep = await _deployment(storage, None, global_concurrency_limit_id=rate.id)
    await _take(storage, await _lock(storage, dep))
    await asyncio.sleep(0.01)  # at 1000 slots a second, the slot has decayed by now
    found = await _lock(storage, dep)
    assert (found.active_slots, found.full) == (0, False)


async def test_an_inactive_limit_has_no_free_slot(storage) -> None:
    # As in the reference, whose slot increment counts only active limits.
    dep = await _deployment(storage, 1)
    found = await _lock(storage, dep)
    assert (found.active, found.full) == (True, False)
    async with storage.write() as uow:
        await uow.concurrency_limits.update(found.limit_id, {"active": False}, timeutil.now(), SlotWaits())
    inactive = await _lock(storage, dep)
    assert (inactive.limit_id, inactive.active, inactive.active_slots, inactive.full) == (
        found.limit_id,
        False,
        0,
        True,
    )


async def test_a_second_reader_waits_for_the_first_to_commit(storage) -> None:
    dep = await _deployment(storage, 1)
    first_read = asyncio.Event()
    release = asyncio.Event()

    async def first() -> int:
        async with storage.write() as uow:
            found = await uow.deployments.lock_concurrency(dep.id)
            first_read.set()
            await release.wait()
            assert await uow.concurrency_limits.increment([found.limit_id], 1, timeutil.now(), SlotWaits())
        return found.active_slots

    async def second() -> int:
        async with storage.write() as uow:
            return (await uow.deployments.lock_concurrency(dep.id)).active_slots

    task_one = asyncio.create_task(first())
    await first_read.wait()
    task_two = asyncio.create_task(second())
    await asyncio.sleep(0.3)
    assert not task_two.done()  # it waits on the limit row (or, on SQLite, the write lock)
    release.set()
    assert await task_one == 0
    assert await task_two == 1
