"""The effects a decision declares: what must happen because a transition was decided.

Rules (and the engine's bookkeeping) never carry anything out; they return these
plain values, and the service's effect dispatcher (`prefect_core.services.effects`)
applies each with the handler registered for its type — inside the unit of work
that writes the state, or, for what others must not see before the write is
committed (an event, a run handed to a task worker), only once it is committed.

Adding an effect is one frozen dataclass here, added to `Effect`, and one handler
registration in `prefect_core.services.effect_handlers`; a unit test fails while an
effect type has no handler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from prefect_core.schemas.states import State


@dataclass(frozen=True)
class CacheWrite:
    """Remember the written state under `cache_key` until `expiration` (in the unit of work)."""

    cache_key: str
    expiration: dt.datetime | None


@dataclass(frozen=True)
class SetParentTaskRunState:
    """A subflow changed state; force `state` onto its parent task run (in the unit of work).

    The service orchestrates the task run with `force=True`, in the same unit of work.
    """

    task_run_id: UUID
    state: State


@dataclass(frozen=True)
class EnqueueTaskRun:
    """A deferred (background) task run was scheduled; hand it to its task queue once
    the state is committed (a task worker may take it at once).

    `retry` is true when it is scheduled as a retry (`AwaitingRetry`).
    """

    task_run_id: UUID
    task_key: str
    retry: bool


@dataclass(frozen=True)
class FlowRunStateChanged:
    """Announce the `prefect.flow-run.<state name>` event for a written flow run state,
    once it is committed (the engine declares it for policies that announce states)."""

    initial_state: State | None
    validated_state: State


@dataclass(frozen=True)
class LeaseDeploymentSlot:
    """Take one slot of the deployment's limit `limit_id` for the flow run `flow_run_id`,
    held by the lease `lease_id` (named in the written state) for `lease_seconds` unless
    renewed (in the unit of work, whose limit row the decision read under lock)."""

    lease_id: UUID
    limit_id: UUID
    flow_run_id: UUID
    lease_seconds: float


@dataclass(frozen=True)
class RenewDeploymentLease:
    """Extend the run's deployment lease by `lease_seconds` from now (in the unit of work)."""

    lease_id: UUID
    lease_seconds: float


@dataclass(frozen=True)
class ReleaseDeploymentLease:
    """The run left the states that hold its deployment slot: end the lease and give its
    slot back, unless the lease is gone already (expired and repossessed; in the unit of work)."""

    lease_id: UUID


Effect = (
    CacheWrite
    | SetParentTaskRunState
    | EnqueueTaskRun
    | FlowRunStateChanged
    | LeaseDeploymentSlot
    | RenewDeploymentLease
    | ReleaseDeploymentLease
)
