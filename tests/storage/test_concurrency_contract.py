"""Concurrency limits and leases on every backend, with explicit clocks."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from prefect_core import timeutil
from prefect_core.errors import Conflict
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.schemas.concurrency_limits import ConcurrencyLease, ConcurrencyLeaseHolder, ConcurrencyLimitV2

pytestmark = pytest.mark.timeout(60)

WAITS = SlotWaits(tag_seconds=10, other_seconds=30)
T0 = timeutil.now()


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def _limit(storage, **fields) -> ConcurrencyLimitV2:
    limit = ConcurrencyLimitV2(**{"name": f"l-{uuid.uuid4().hex[:6]}", "limit": 1, **fields})
    async with storage.write() as uow:
        await uow.concurrency_limits.insert(limit, T0)
    return limit


async def _read(storage, limit: ConcurrencyLimitV2, seconds: float) -> ConcurrencyLimitV2:
    async with storage.read() as uow:
        found = await uow.concurrency_limits.get(limit.id, at(seconds), WAITS)
    assert found is not None
    return found


async def _increment(storage, limits: list[ConcurrencyLimitV2], seconds: float, slots: int = 1) -> bool:
    async with storage.write() as uow:
        return await uow.concurrency_limits.increment([x.id for x in limits], slots, at(seconds), WAITS)


async def test_names_are_unique(storage) -> None:
    limit = await _limit(storage)
    with pytest.raises(Conflict):
        await _limit(storage, name=limit.name)


async def test_increment_takes_from_all_or_reports_failure(storage) -> None:
    roomy, full = await _limit(storage, limit=3), await _limit(storage, limit=1)
    assert await _increment(storage, [roomy, full], 0)
    # The caller rolls back a failed increment; the storage says which it was.
    with pytest.raises(RuntimeError):
        async with storage.write() as uow:
            assert not await uow.concurrency_limits.increment([roomy.id, full.id], 1, at(0), WAITS)
            raise RuntimeError("roll back")
    assert [(await _read(storage, x, 0)).active_slots for x in (roomy, full)] == [1, 1]
    assert await _increment(storage, [roomy], 0, slots=2)
    assert not await _increment(storage, [roomy], 0)


async def test_inactive_limits_are_never_incremented(storage) -> None:
    off = await _limit(storage, active=False)
    assert not await _increment(storage, [off], 0)
    async with storage.write() as uow:
        await uow.concurrency_limits.decrement([off.id], 1, at(0), WAITS)
        assert await uow.concurrency_limits.deny([off.id], 1, at(0), WAITS) == []
    assert (await _read(storage, off, 0)).active_slots == 0


async def test_rate_limit_slots_decay_without_losing_fractions(storage) -> None:
    rate = await _limit(storage, limit=2, slot_decay_per_second=1.0)
    assert await _increment(storage, [rate], 0, slots=2)
    assert not await _increment(storage, [rate], 0.6)  # nothing decayed yet
    assert (await _read(storage, rate, 1.5)).active_slots == 1
    assert await _increment(storage, [rate], 1.5)  # one slot decayed by 1.0 s: taken again
    # The half second of decay since 1.0 s was kept: at 2.0 s one more slot is free.
    assert (await _read(storage, rate, 2.0)).active_slots == 1
    assert (await _read(storage, rate, 10.0)).active_slots == 0


async def test_denied_slots_decay(storage) -> None:
    rate = await _limit(storage, limit=1, slot_decay_per_second=2.0)
    steady = await _limit(storage, limit=1)
    async with storage.write() as uow:
        denied = await uow.concurrency_limits.deny([rate.id, steady.id], 3, at(0), WAITS)
    assert sorted(x.denied_slots for x in denied) == [3, 3]
    assert (await _read(storage, rate, 1.0)).denied_slots == 1  # two per second
    assert (await _read(storage, steady, 4.0)).denied_slots == 1  # one per 2 s of average occupancy
    assert (await _read(storage, steady, 60.0)).denied_slots == 0


async def test_decrement_never_goes_below_zero_and_learns_occupancy(storage) -> None:
    limit = await _limit(storage, limit=2)
    assert await _increment(storage, [limit], 0)
    async with storage.write() as uow:
        await uow.concurrency_limits.decrement([limit.id], 5, at(1), WAITS, occupancy_seconds=50.0)
    after = await _read(storage, limit, 1)
    # 10 s per slot, in a moving average over limit * 2 samples: 2.0 + (10.0 - 2.0) / 4.
    assert (after.active_slots, after.avg_slot_occupancy_seconds) == (0, 4.0)


async def test_update_keeps_decayed_counts(storage) -> None:
    rate = await _limit(storage, limit=5, slot_decay_per_second=1.0)
    assert await _increment(storage, [rate], 0, slots=4)
    async with storage.write() as uow:
        assert await uow.concurrency_limits.update(rate.id, {"limit": 6}, at(2.5), WAITS)
        assert not await uow.concurrency_limits.update(uuid.uuid4(), {"limit": 6}, at(2.5), WAITS)
    after = await _read(storage, rate, 2.5)
    assert (after.limit, after.active_slots) == (6, 2)
    assert (await _read(storage, rate, 3.0)).active_slots == 1  # the kept half second


async def test_filter_by_name_prefix(storage) -> None:
    for name in ("tag:b", "tag:a", "other"):
        await _limit(storage, name=name)
    async with storage.read() as uow:
        tags = await uow.concurrency_limits.filter(at(0), WAITS, offset=0, limit=None, name_prefix="tag:")
        page = await uow.concurrency_limits.filter(at(0), WAITS, offset=1, limit=1)
    assert [x.name for x in tags] == ["tag:a", "tag:b"] and [x.name for x in page] == ["tag:a"]


def _lease(limits: list[ConcurrencyLimitV2], expires_in: float, holder: ConcurrencyLeaseHolder | None = None):
    return ConcurrencyLease(
        limit_ids=[x.id for x in limits],
        slots=1,
        created=at(0),
        expiration=at(expires_in),
        holder=holder,
    )


async def test_lease_lifecycle(storage) -> None:
    a, b = await _limit(storage), await _limit(storage)
    holder = ConcurrencyLeaseHolder(type="task_run", id=uuid.uuid4())
    lease = _lease([a, b], 60, holder)
    async with storage.write() as uow:
        await uow.concurrency_leases.insert(lease)
    async with storage.read() as uow:
        stored = await uow.concurrency_leases.get(lease.id)
        assert stored is not None and sorted(stored.limit_ids) == sorted([a.id, b.id]) and stored.holder == holder
        assert [x.id for x in await uow.concurrency_leases.of_limit(a.id, at(30))] == [lease.id]
        assert await uow.concurrency_leases.of_limit(a.id, at(90)) == []
        assert [x.id for x in await uow.concurrency_leases.of_holder(holder.id, [b.id])] == [lease.id]
        other = ConcurrencyLeaseHolder(type="flow_run", id=holder.id)
        assert await uow.concurrency_leases.of_holder(other, [b.id]) == []
    async with storage.write() as uow:
        assert await uow.concurrency_leases.renew(lease.id, at(120), at(30))
        assert not await uow.concurrency_leases.renew(lease.id, at(300), at(121))  # expired
        assert not await uow.concurrency_leases.renew(uuid.uuid4(), at(300), at(0))
        taken = await uow.concurrency_leases.take(lease.id)
        assert taken is not None and sorted(taken.limit_ids) == sorted([a.id, b.id])
        assert await uow.concurrency_leases.take(lease.id) is None
        assert await uow.concurrency_leases.get(lease.id) is None


async def test_expired_leases_are_taken_once(storage) -> None:
    limit = await _limit(storage, limit=10)
    leases = [_lease([limit], seconds) for seconds in (10, 20, 30, 1000)]
    async with storage.write() as uow:
        for lease in leases:
            await uow.concurrency_leases.insert(lease)
    async with storage.write() as uow:
        first = await uow.concurrency_leases.take_expired(at(25), limit=1)
    async with storage.write() as uow:
        rest = await uow.concurrency_leases.take_expired(at(25), limit=10)
    assert [x.id for x in first] == [leases[0].id] and [x.id for x in rest] == [leases[1].id]
    assert rest[0].limit_ids == [limit.id]

    # Racing repossessors never take the same lease twice.
    async def take() -> list[uuid.UUID]:
        async with storage.write() as uow:
            return [x.id for x in await uow.concurrency_leases.take_expired(at(2000), limit=10)]

    taken = await asyncio.gather(*(take() for _ in range(4)))
    assert sorted(i for ids in taken for i in ids) == sorted([leases[2].id, leases[3].id])


async def test_deleting_a_limit_drops_it_from_leases(storage) -> None:
    a, b = await _limit(storage), await _limit(storage)
    lease = _lease([a, b], 60)
    async with storage.write() as uow:
        await uow.concurrency_leases.insert(lease)
        assert await uow.concurrency_limits.delete(a.id)
    async with storage.read() as uow:
        stored = await uow.concurrency_leases.get(lease.id)
    assert stored is not None and stored.limit_ids == [b.id]
