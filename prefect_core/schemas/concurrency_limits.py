"""Concurrency limits: global limits (`/v2/concurrency_limits`), the leases that hold
their slots, and the tag limits of the v1 API (`/concurrency_limits`), which are a view
of the global limits named `tag:<tag>`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from prefect_core.ids import uuid7
from prefect_core.schemas.base import ActionModel, DateTime, ORMModel, PrefectModel

#: A name without the characters the reference bans from names.
LimitName = Annotated[str, Field(pattern=r"^[^/%&><]+$")]
NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]

#: Global limits named `tag:<tag>` are the tag limits of the v1 API and the task engine.
TAG_PREFIX = "tag:"

#: Lease durations the API accepts, in seconds (the reference's bounds and default).
MIN_LEASE_SECONDS = 60.0
MAX_LEASE_SECONDS = 24 * 60 * 60.0
DEFAULT_LEASE_SECONDS = 300.0

AcquireMode = Literal["concurrency", "rate_limit"]


def tag_limit_name(tag: str) -> str:
    return f"{TAG_PREFIX}{tag}"


class ConcurrencyLimitV2(ORMModel):
    """A global concurrency limit as stored. `active_slots` and `denied_slots` are as of
    when the limit was read: slots decay at `slot_decay_per_second` (a rate limit)."""

    active: bool = True
    name: str
    limit: int
    active_slots: int = 0
    denied_slots: int = 0
    slot_decay_per_second: float = 0.0
    avg_slot_occupancy_seconds: float = 2.0


class ConcurrencyLimitV2Create(ActionModel):
    active: bool = True
    name: LimitName
    limit: NonNegativeInt
    active_slots: NonNegativeInt = 0
    denied_slots: NonNegativeInt = 0
    slot_decay_per_second: NonNegativeFloat = 0.0


class ConcurrencyLimitV2Update(ActionModel):
    active: bool | None = None
    name: LimitName | None = None
    limit: NonNegativeInt | None = None
    active_slots: NonNegativeInt | None = None
    denied_slots: NonNegativeInt | None = None
    slot_decay_per_second: NonNegativeFloat | None = None


class GlobalConcurrencyLimitResponse(ORMModel):
    """What reads of a global limit answer (active slots after decay)."""

    active: bool = True
    name: str
    limit: int
    active_slots: int
    slot_decay_per_second: float = 2.0

    @classmethod
    def of(cls, limit: ConcurrencyLimitV2) -> GlobalConcurrencyLimitResponse:
        return cls.model_validate(limit.model_dump())


class MinimalConcurrencyLimitResponse(PrefectModel):
    id: UUID
    name: str
    limit: int

    @classmethod
    def of(cls, limit: ConcurrencyLimitV2, name: str | None = None) -> MinimalConcurrencyLimitResponse:
        return cls(id=limit.id, name=limit.name if name is None else name, limit=limit.limit)


class ConcurrencyLimitWithLeaseResponse(PrefectModel):
    lease_id: UUID
    limits: list[MinimalConcurrencyLimitResponse]


class ConcurrencyLeaseHolder(BaseModel):
    """Who holds a lease: a task run (the task engine's tag limits), a flow run or a deployment."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["flow_run", "task_run", "deployment"]
    id: UUID


class ConcurrencyLease(BaseModel):
    """`slots` slots of each of the limits `limit_ids`, held until `expiration` unless
    renewed; released by its holder, or by the repossessor once it has expired."""

    id: UUID = Field(default_factory=uuid7)
    limit_ids: list[UUID]
    slots: int
    created: DateTime
    expiration: DateTime
    holder: ConcurrencyLeaseHolder | None = None

    def occupancy_seconds(self, now: dt.datetime) -> float:
        return (now - self.created).total_seconds()


# --- tag limits (the v1 API): a view of the global limits named `tag:<tag>` -------

#: A tag may be empty; it must not hold the characters banned from names.
TagName = Annotated[str, Field(pattern=r"^[^/%&><]*$")]


class ConcurrencyLimit(ORMModel):
    """A tag limit as the v1 API answers it: `active_slots` are the ids of the task runs
    holding a slot."""

    tag: str
    concurrency_limit: int
    active_slots: list[UUID] = Field(default_factory=list)

    @classmethod
    def of(cls, limit: ConcurrencyLimitV2, holders: list[UUID]) -> ConcurrencyLimit:
        return cls(
            id=limit.id,
            created=limit.created,
            updated=limit.updated,
            tag=limit.name.removeprefix(TAG_PREFIX),
            concurrency_limit=limit.limit,
            active_slots=holders,
        )


class ConcurrencyLimitCreate(ActionModel):
    tag: TagName
    #: Not bounded, as in the reference (a negative limit admits nobody).
    concurrency_limit: int
