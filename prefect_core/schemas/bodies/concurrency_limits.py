"""Request bodies of the concurrency limit endpoints (embedded body parameters:
unknown keys ignored, null means absent)."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from prefect_core.schemas.bodies.base import EmbeddedBody
from prefect_core.schemas.concurrency_limits import (
    DEFAULT_LEASE_SECONDS,
    MAX_LEASE_SECONDS,
    MIN_LEASE_SECONDS,
    AcquireMode,
    ConcurrencyLeaseHolder,
)


class IncrementBody(EmbeddedBody):
    slots: int = Field(gt=0)
    #: The reference declares at least one name but does not enforce it: none gives an empty answer.
    names: list[str]
    mode: AcquireMode = "concurrency"
    #: Deprecated by the reference and ignored: limits must be created first.
    create_if_missing: bool | None = None


class IncrementWithLeaseBody(IncrementBody):
    lease_duration: float = Field(default=DEFAULT_LEASE_SECONDS, ge=MIN_LEASE_SECONDS, le=MAX_LEASE_SECONDS)
    holder: ConcurrencyLeaseHolder | None = None


class DecrementBody(EmbeddedBody):
    slots: int = Field(gt=0)
    names: list[str]
    occupancy_seconds: float | None = Field(default=None, gt=0.0)
    create_if_missing: bool | None = None


class DecrementWithLeaseBody(EmbeddedBody):
    lease_id: UUID


class RenewLeaseBody(EmbeddedBody):
    lease_duration: float = Field(default=DEFAULT_LEASE_SECONDS, ge=MIN_LEASE_SECONDS, le=MAX_LEASE_SECONDS)


class TagIncrementBody(EmbeddedBody):
    """`/concurrency_limits/increment` and `/decrement`: a task run's slot on each tag."""

    names: list[str]
    task_run_id: UUID


class TagResetBody(EmbeddedBody):
    slot_override: list[UUID] | None = None
