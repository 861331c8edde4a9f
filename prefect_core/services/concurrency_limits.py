"""Global concurrency limits: their lifecycle, and taking and giving back their slots,
with or without a lease."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import Gone, InvalidInput, Locked, NotFound
from prefect_core.events.concurrency_limit_events import LifecycleAction, concurrency_limit_event
from prefect_core.ids import uuid7
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.schemas.concurrency_limits import (
    AcquireMode,
    ConcurrencyLease,
    ConcurrencyLeaseHolder,
    ConcurrencyLimitV2,
    ConcurrencyLimitV2Create,
    ConcurrencyLimitV2Update,
    ConcurrencyLimitWithLeaseResponse,
    GlobalConcurrencyLimitResponse,
    MinimalConcurrencyLimitResponse,
)
from prefect_core.services.concurrency_waits import retry_after
from prefect_core.services.events_sink import EventSink

LIMIT_NOT_FOUND = "Concurrency Limit not found"
LEASE_GONE = "Lease not found - it may have expired or been revoked"
SLOTS_OVER_LIMIT = "Slots requested is greater than the limit"


def _no_decay_detail(names: Sequence[str]) -> str:
    return (
        "Only concurrency limits with slot decay can be used for rate limiting. The following limits "
        f"do not have a decay configured: {','.join(names)!r}"
    )


def _as_id(id_or_name: str) -> UUID | None:
    try:
        return UUID(id_or_name)
    except ValueError:
        return None


class _Denied(Exception):
    """Raised inside a unit of work to roll back a partly applied increment."""


class ConcurrencyLimitService:
    def __init__(
        self, storage: Storage, events: EventSink, waits: SlotWaits | None = None, rng: random.Random | None = None
    ) -> None:
        self.storage = storage
        self.events = events
        self.waits = waits or SlotWaits()
        self.rng = rng

    async def emit_lifecycle(self, action: LifecycleAction, limit: ConcurrencyLimitV2, now: dt.datetime) -> None:
        await self.events.emit([concurrency_limit_event(action, limit, now)])

    # --- lifecycle ---------------------------------------------------------------

    async def create(self, body: ConcurrencyLimitV2Create) -> ConcurrencyLimitV2:
        """Create a limit (a taken name is a `Conflict`)."""
        return await self.insert(ConcurrencyLimitV2(**body.model_dump()))

    async def insert(self, limit: ConcurrencyLimitV2) -> ConcurrencyLimitV2:
        """Store a new limit (a taken name is a `Conflict`) and announce it."""
        now = timeutil.now()
        limit = limit.model_copy(update={"created": now, "updated": now})
        async with self.storage.write() as uow:
            await uow.concurrency_limits.insert(limit, now)
        await self.emit_lifecycle("created", limit, now)
        return limit

    async def find(self, uow: UnitOfWork, id_or_name: str, now: dt.datetime) -> ConcurrencyLimitV2 | None:
        """The limit with this id (when it parses as one) or else this name."""
        limit_id = _as_id(id_or_name)
        if limit_id is not None:
            return await uow.concurrency_limits.get(limit_id, now, self.waits)
        return await uow.concurrency_limits.get_by_name(id_or_name, now, self.waits)

    async def read(self, id_or_name: str) -> GlobalConcurrencyLimitResponse:
        async with self.storage.read() as uow:
            limit = await self.find(uow, id_or_name, timeutil.now())
        if limit is None:
            raise NotFound(LIMIT_NOT_FOUND)
        return GlobalConcurrencyLimitResponse.of(limit)

    async def filter(self, offset: int, limit: int | None) -> list[GlobalConcurrencyLimitResponse]:
        async with self.storage.read() as uow:
            found = await uow.concurrency_limits.filter(timeutil.now(), self.waits, offset=offset, limit=limit)
        return [GlobalConcurrencyLimitResponse.of(item) for item in found]

    async def update(self, id_or_name: str, body: ConcurrencyLimitV2Update) -> None:
        await self.update_values(id_or_name, body.model_dump(exclude_unset=True))

    async def update_values(self, id_or_name: str, values: dict[str, object]) -> ConcurrencyLimitV2:
        now = timeutil.now()
        async with self.storage.write() as uow:
            limit = await self.find(uow, id_or_name, now)
            if limit is None:
                raise NotFound(LIMIT_NOT_FOUND)
            if values:
                await uow.concurrency_limits.update(limit.id, values, now, self.waits)
                limit = await uow.concurrency_limits.get(limit.id, now, self.waits)
                assert limit is not None
        await self.emit_lifecycle("updated", limit, now)
        return limit

    async def delete(self, id_or_name: str) -> None:
        now = timeutil.now()
        async with self.storage.write() as uow:
            limit = await self.find(uow, id_or_name, now)
            if limit is None or not await uow.concurrency_limits.delete(limit.id):
                raise NotFound(LIMIT_NOT_FOUND)
        await self.emit_lifecycle("deleted", limit, now)

    # --- slots -------------------------------------------------------------------

    async def increment(
        self, names: Sequence[str], slots: int, mode: AcquireMode
    ) -> list[MinimalConcurrencyLimitResponse]:
        """Take `slots` of every named limit, or raise `Locked` (with a retry interval)."""
        limits, _ = await self._acquire(names, slots, mode)
        return [MinimalConcurrencyLimitResponse.of(limit) for limit in limits]

    async def increment_with_lease(
        self,
        names: Sequence[str],
        slots: int,
        mode: AcquireMode,
        lease_seconds: float,
        holder: ConcurrencyLeaseHolder | None,
    ) -> ConcurrencyLimitWithLeaseResponse:
        """As `increment`, the slots held by a lease that expires unless renewed.
        Without any such limit there is nothing to hold, and no lease is stored."""
        limits, lease = await self._acquire(names, slots, mode, lease_seconds=lease_seconds, holder=holder)
        return ConcurrencyLimitWithLeaseResponse(
            lease_id=lease.id if lease else uuid7(),
            limits=[MinimalConcurrencyLimitResponse.of(limit) for limit in limits],
        )

    async def _acquire(
        self,
        names: Sequence[str],
        slots: int,
        mode: AcquireMode,
        *,
        lease_seconds: float | None = None,
        holder: ConcurrencyLeaseHolder | None = None,
    ) -> tuple[list[ConcurrencyLimitV2], ConcurrencyLease | None]:
        now = timeutil.now()
        # Most requests name limits that do not exist (every tagged task run asks for its
        # tags): those are answered from a read, without queueing for a write.
        async with self.storage.read() as uow:
            if not await uow.concurrency_limits.get_by_names(names, now, self.waits):
                return [], None
        try:
            async with self.storage.write() as uow:
                limits = await uow.concurrency_limits.get_by_names(names, now, self.waits)
                _check_acquirable([x for x in limits if x.active], slots, mode)
                lease = None
                if lease_seconds is not None and limits:
                    lease = ConcurrencyLease(
                        limit_ids=[],
                        slots=slots,
                        created=now,
                        expiration=now + dt.timedelta(seconds=lease_seconds),
                        holder=holder,
                    )
                if not await take_slots(uow, limits, slots, now, self.waits, lease):
                    raise _Denied()
                return limits, lease
        except _Denied:
            pass
        active = [x.id for x in limits if x.active]
        async with self.storage.write() as uow:
            denied = await uow.concurrency_limits.deny(active, slots, now, self.waits)
        raise Locked(retry_after=retry_after(denied, self.waits, self.rng))

    async def decrement(
        self, names: Sequence[str], slots: int, occupancy_seconds: float | None
    ) -> list[MinimalConcurrencyLimitResponse]:
        """Give back `slots` of every named (active) limit; answers the limits named."""
        now = timeutil.now()
        async with self.storage.write() as uow:
            limits = await uow.concurrency_limits.get_by_names(names, now, self.waits)
            active = [limit.id for limit in limits if limit.active]
            await uow.concurrency_limits.decrement(active, slots, now, self.waits, occupancy_seconds)
        return [MinimalConcurrencyLimitResponse.of(limit) for limit in limits]

    async def release_lease(self, lease_id: UUID) -> None:
        """Give back a lease's slots and forget it; a lease gone already is no error."""
        now = timeutil.now()
        async with self.storage.write() as uow:
            await release(uow, lease_id, now, self.waits)

    async def renew_lease(self, lease_id: UUID, lease_seconds: float) -> None:
        """Extend a lease; `Gone` when it expired or was released."""
        now = timeutil.now()
        async with self.storage.write() as uow:
            renewed = await uow.concurrency_leases.renew(lease_id, now + dt.timedelta(seconds=lease_seconds), now)
        if not renewed:
            raise Gone(LEASE_GONE)


def _check_acquirable(active: Sequence[ConcurrencyLimitV2], slots: int, mode: AcquireMode) -> None:
    if any(limit.limit < slots for limit in active):
        raise InvalidInput(SLOTS_OVER_LIMIT)
    if mode == "rate_limit":
        steady = [limit.name for limit in active if limit.slot_decay_per_second == 0]
        if steady:
            raise InvalidInput(_no_decay_detail(steady))


async def take_slots(
    uow: UnitOfWork,
    limits: Sequence[ConcurrencyLimitV2],
    slots: int,
    now: dt.datetime,
    waits: SlotWaits,
    lease: ConcurrencyLease | None = None,
) -> bool:
    """Take `slots` of each active one of `limits` in `uow` and, when given, store `lease`
    holding them (its `limit_ids` set to those limits). False when one had no room: the
    caller must then roll `uow` back. (Also for holding slots on behalf of a flow run or
    deployment inside an orchestration unit of work.)"""
    active = [x.id for x in limits if x.active]
    if not await uow.concurrency_limits.increment(active, slots, now, waits):
        return False
    if lease is not None:
        lease.limit_ids = active
        await uow.concurrency_leases.insert(lease)
    return True


async def release(
    uow: UnitOfWork, lease_id: UUID, now: dt.datetime, waits: SlotWaits, *, occupancy: bool = True
) -> ConcurrencyLease | None:
    """Remove a lease and give back its slots in `uow`; None when it was gone already."""
    lease = await uow.concurrency_leases.take(lease_id)
    if lease is not None:
        await give_back(uow, lease, now, waits, occupancy=occupancy)
    return lease


async def give_back(
    uow: UnitOfWork, lease: ConcurrencyLease, now: dt.datetime, waits: SlotWaits, *, occupancy: bool = True
) -> None:
    """Return the slots of a lease just taken out of storage to its limits."""
    seconds = lease.occupancy_seconds(now) if occupancy else None
    await uow.concurrency_limits.decrement(lease.limit_ids, lease.slots, now, waits, seconds)
