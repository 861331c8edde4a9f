"""Tag concurrency limits (the v1 `/concurrency_limits` API) as the reference serves them
since 3.4: a view of the global limits named `tag:<tag>`. The v1 API, the v2 API and the
task engine's `tag:<tag>` leases therefore count the same slots; a tag limit's
`active_slots` are the task runs holding leases on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import Conflict, Locked, NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.concurrency_limits import (
    TAG_PREFIX,
    ConcurrencyLease,
    ConcurrencyLeaseHolder,
    ConcurrencyLimit,
    ConcurrencyLimitCreate,
    ConcurrencyLimitV2,
    MinimalConcurrencyLimitResponse,
    tag_limit_name,
)
from prefect_core.services.concurrency_limits import ConcurrencyLimitService, give_back

TAG_LIMIT_NOT_FOUND = "Concurrency limit not found"
#: v1 clients never renew their leases: they are held until released.
V1_LEASE = dt.timedelta(days=100 * 365)


def _zero_detail(tag: str) -> str:
    return f'The concurrency limit on tag "{tag}" is 0 and will deadlock if the task tries to run again.'


def _full_detail(tag: str) -> str:
    return f"Concurrency limit for the {tag} tag has been reached"


class _Full(Exception):
    def __init__(self, tag: str) -> None:
        self.tag = tag


class TagConcurrencyLimitService:
    def __init__(self, storage: Storage, limits: ConcurrencyLimitService) -> None:
        self.storage = storage
        self.limits = limits
        self.waits = limits.waits

    async def _view(
        self, uow: UnitOfWork, found: Sequence[ConcurrencyLimitV2], now: dt.datetime
    ) -> list[ConcurrencyLimit]:
        holders = await uow.concurrency_leases.holders([x.id for x in found], now)
        return [ConcurrencyLimit.of(x, [h.id for h in holders.get(x.id, []) if h.type == "task_run"]) for x in found]

    async def create(self, body: ConcurrencyLimitCreate) -> tuple[ConcurrencyLimit, bool]:
        """Create the tag's limit, or set the limit of the existing one; True when created."""
        name = tag_limit_name(body.tag)
        async with self.storage.read() as uow:
            created = await uow.concurrency_limits.get_by_name(name, timeutil.now(), self.waits) is None
        if created:
            try:
                await self.limits.insert(ConcurrencyLimitV2(name=name, limit=body.concurrency_limit))
            except Conflict:  # created by someone else meanwhile
                created = False
        if not created:
            await self.limits.update_values(name, {"limit": body.concurrency_limit})
        return await self.read_by_tag(body.tag), created

    async def read(self, limit_id: UUID) -> ConcurrencyLimit:
        now = timeutil.now()
        async with self.storage.read() as uow:
            limit = await uow.concurrency_limits.get(limit_id, now, self.waits)
            if limit is None or not limit.name.startswith(TAG_PREFIX):
                raise NotFound(TAG_LIMIT_NOT_FOUND)
            return (await self._view(uow, [limit], now))[0]

    async def read_by_tag(self, tag: str) -> ConcurrencyLimit:
        now = timeutil.now()
        async with self.storage.read() as uow:
            limit = await uow.concurrency_limits.get_by_name(tag_limit_name(tag), now, self.waits)
            if limit is None:
                raise NotFound(TAG_LIMIT_NOT_FOUND)
            return (await self._view(uow, [limit], now))[0]

    async def filter(self, offset: int, limit: int | None) -> list[ConcurrencyLimit]:
        now = timeutil.now()
        async with self.storage.read() as uow:
            found = await uow.concurrency_limits.filter(
                now, self.waits, offset=offset, limit=limit, name_prefix=TAG_PREFIX
            )
            return await self._view(uow, found, now)

    async def _revoke_all(self, uow: UnitOfWork, limit: ConcurrencyLimitV2, now: dt.datetime) -> None:
        """End every lease on `limit`, giving back what they hold of other limits."""
        for lease in await uow.concurrency_leases.of_limit(limit.id):
            taken = await uow.concurrency_leases.take(lease.id)
            if taken is not None:
                others = taken.model_copy(update={"limit_ids": [i for i in taken.limit_ids if i != limit.id]})
                await give_back(uow, others, now, self.waits, occupancy=False)

    async def reset(self, tag: str, slot_override: Sequence[UUID] | None) -> None:
        """Release every slot of the tag's limit; then, if given, let these task runs hold one each."""
        now = timeutil.now()
        holders = list(dict.fromkeys(slot_override or ()))
        async with self.storage.write() as uow:
            limit = await uow.concurrency_limits.get_by_name(tag_limit_name(tag), now, self.waits)
            if limit is None:
                raise NotFound(TAG_LIMIT_NOT_FOUND)
            await self._revoke_all(uow, limit, now)
            await uow.concurrency_limits.update(limit.id, {"active_slots": len(holders)}, now, self.waits)
            for task_run_id in holders:
                await uow.concurrency_leases.insert(self._v1_lease([limit.id], task_run_id, now))

    async def delete(self, limit_id: UUID | None = None, tag: str | None = None) -> None:
        """Delete a tag limit (by id or by tag) and end the leases on it."""
        now = timeutil.now()
        async with self.storage.write() as uow:
            if limit_id is not None:
                limit = await uow.concurrency_limits.get(limit_id, now, self.waits)
            else:
                assert tag is not None
                limit = await uow.concurrency_limits.get_by_name(tag_limit_name(tag), now, self.waits)
            if limit is None or not limit.name.startswith(TAG_PREFIX):
                raise NotFound(TAG_LIMIT_NOT_FOUND)
            await self._revoke_all(uow, limit, now)
            await uow.concurrency_limits.delete(limit.id)
        await self.limits.emit_lifecycle("deleted", limit, now)

    def _v1_lease(self, limit_ids: list[UUID], task_run_id: UUID, now: dt.datetime) -> ConcurrencyLease:
        return ConcurrencyLease(
            limit_ids=limit_ids,
            slots=1,
            created=now,
            expiration=now + V1_LEASE,
            holder=ConcurrencyLeaseHolder(type="task_run", id=task_run_id),
        )

    async def increment(self, tags: Sequence[str], task_run_id: UUID) -> list[MinimalConcurrencyLimitResponse]:
        """Take one slot of each tag's limit for the task run (held until `decrement`).
        `Locked` when a limit is 0 (no retry: it never frees) or full (retry later)."""
        now = timeutil.now()
        names = [tag_limit_name(tag) for tag in tags]
        async with self.storage.read() as uow:
            if not await uow.concurrency_limits.get_by_names(names, now, self.waits):
                return []
        try:
            async with self.storage.write() as uow:
                by_name = {x.name: x for x in await uow.concurrency_limits.get_by_names(names, now, self.waits)}
                for tag in tags:
                    found = by_name.get(tag_limit_name(tag))
                    if found is not None and found.limit == 0:
                        raise Locked(_zero_detail(tag))
                wanted = [
                    (tag, by_name[tag_limit_name(tag)])
                    for tag in dict.fromkeys(tags)
                    if tag_limit_name(tag) in by_name and by_name[tag_limit_name(tag)].active
                ]
                if not wanted:
                    return []
                if not await uow.concurrency_limits.increment([x.id for _, x in wanted], 1, now, self.waits):
                    raise _Full(wanted[0][0])
                await uow.concurrency_leases.insert(self._v1_lease([x.id for _, x in wanted], task_run_id, now))
        except _Full as full:
            raise Locked(_full_detail(full.tag), retry_after=self.waits.tag_seconds) from None
        return [MinimalConcurrencyLimitResponse.of(x, name=tag) for tag, x in wanted]

    async def decrement(self, tags: Sequence[str], task_run_id: UUID) -> list[MinimalConcurrencyLimitResponse]:
        """Release the task run's leases on these tags' limits."""
        now = timeutil.now()
        async with self.storage.write() as uow:
            found = await uow.concurrency_limits.get_by_names([tag_limit_name(t) for t in tags], now, self.waits)
            if not found:
                return []
            for lease in await uow.concurrency_leases.of_holder(task_run_id, [x.id for x in found]):
                taken = await uow.concurrency_leases.take(lease.id)
                if taken is not None:
                    await give_back(uow, taken, now, self.waits, occupancy=False)
        return [MinimalConcurrencyLimitResponse.of(x) for x in found]
