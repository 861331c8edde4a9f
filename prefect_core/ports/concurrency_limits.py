"""What the core needs from storage for concurrency limits and their leases.

Slots are counted in the limit rows and changed only by single conditional
statements, so that racing units of work (in one process or several sharing a
database) never push a limit's active slots above its limit or below zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.concurrency_limits import ConcurrencyLease, ConcurrencyLeaseHolder, ConcurrencyLimitV2


@dataclass(frozen=True)
class SlotWaits:
    """The longest a denied client is told to wait (seconds) for a limit without decay:
    limits named `tag:...` use `tag_seconds`, the others `other_seconds`. Denied slots of
    such limits decay at one per average occupancy, capped the same way."""

    tag_seconds: float = 10.0
    other_seconds: float = 30.0


class ConcurrencyLimitRepository(Protocol):
    """Global concurrency limits, unique by name, listed by name. Every read answers
    active and denied slots after their decay up to `now`."""

    async def insert(self, limit: ConcurrencyLimitV2, now: dt.datetime) -> None:
        """Store a new limit (a name taken already raises `Conflict`)."""
        ...

    async def get(self, limit_id: UUID, now: dt.datetime, waits: SlotWaits) -> ConcurrencyLimitV2 | None: ...
    async def get_by_name(self, name: str, now: dt.datetime, waits: SlotWaits) -> ConcurrencyLimitV2 | None: ...
    async def get_by_names(self, names: Sequence[str], now: dt.datetime, waits: SlotWaits) -> list[ConcurrencyLimitV2]:
        """The limits of these names that exist, in any order."""
        ...

    async def filter(
        self, now: dt.datetime, waits: SlotWaits, *, offset: int, limit: int | None, name_prefix: str | None = None
    ) -> list[ConcurrencyLimitV2]:
        """Limits by name (only those whose name starts with `name_prefix`, when given)."""
        ...

    async def update(self, limit_id: UUID, values: dict[str, Any], now: dt.datetime, waits: SlotWaits) -> bool:
        """Set `values`; slots not set keep their decayed counts. False if no such limit."""
        ...

    async def delete(self, limit_id: UUID) -> bool:
        """Delete the limit; leases lose their hold on it."""
        ...

    async def increment(self, limit_ids: Sequence[UUID], slots: int, now: dt.datetime, waits: SlotWaits) -> bool:
        """Add `slots` to every one of the limits (all active) if each has room, else to none;
        True when taken. Callers roll the unit of work back when False."""
        ...

    async def deny(
        self, limit_ids: Sequence[UUID], slots: int, now: dt.datetime, waits: SlotWaits
    ) -> list[ConcurrencyLimitV2]:
        """Count `slots` denied on the active ones of these limits; returns them as updated."""
        ...

    async def decrement(
        self,
        limit_ids: Sequence[UUID],
        slots: int,
        now: dt.datetime,
        waits: SlotWaits,
        occupancy_seconds: float | None = None,
    ) -> None:
        """Give back `slots` to the active ones of these limits (never below zero) and, when
        `occupancy_seconds` is given, fold it into their average slot occupancy."""
        ...


class ConcurrencyLeaseRepository(Protocol):
    """Leases on limit slots, kept in the database so that they survive restarts and are
    shared by every server process on it."""

    async def insert(self, lease: ConcurrencyLease) -> None: ...
    async def get(self, lease_id: UUID) -> ConcurrencyLease | None:
        """The lease, expired or not, until it is released."""
        ...

    async def renew(self, lease_id: UUID, expiration: dt.datetime, now: dt.datetime) -> bool:
        """Extend an unexpired lease; False when it is gone or expired already."""
        ...

    async def take(self, lease_id: UUID) -> ConcurrencyLease | None:
        """Remove the lease and return it, or None if it is gone. Of racing callers only
        one gets it, so its slots are given back once."""
        ...

    async def take_expired(self, now: dt.datetime, limit: int) -> list[ConcurrencyLease]:
        """Remove up to `limit` leases expired before `now` and return them (each to one caller only)."""
        ...

    async def of_limit(self, limit_id: UUID, now: dt.datetime | None = None) -> list[ConcurrencyLease]:
        """Leases holding a slot of the limit, oldest first (only those unexpired at `now`, when given)."""
        ...

    async def holders(self, limit_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, list[ConcurrencyLeaseHolder]]:
        """The holders of unexpired leases on each of these limits, oldest lease first
        (limits without a held lease are left out)."""
        ...

    async def of_holder(
        self, holder: ConcurrencyLeaseHolder | UUID, limit_ids: Sequence[UUID]
    ) -> list[ConcurrencyLease]:
        """Leases of this holder (or of any holder with this id) on any of these limits."""
        ...
