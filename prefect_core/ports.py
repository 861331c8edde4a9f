"""Repository and unit-of-work protocols: what the core needs from storage.

A storage plugin implements these; the use cases in `prefect_core.services`
depend only on them. Every repository method runs inside the unit of work
that created it, so a use case's reads and writes commit or roll back as one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Literal, Protocol
from uuid import UUID

from prefect_core.schemas.event_filters import EventFilter
from prefect_core.schemas.events import Event, EventCount
from prefect_core.schemas.filters import (
    FlowFilter,
    FlowRunFilter,
    LogFilter,
    TaskRunFilter,
)
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.deployments import Deployment, DeploymentConcurrency, DeploymentSort
from prefect_core.schemas.filters import DeploymentFilter, WorkerFilter, WorkPoolFilter, WorkQueueFilter
from prefect_core.schemas.schedules import DeploymentSchedule
from prefect_core.schemas.work_pools import Worker, WorkPool, WorkQueue
from prefect_core.schemas.logs import Log
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort
from prefect_core.schemas.states import State, StateType
from prefect_core.schemas.flow_run_inputs import FlowRunInput
from prefect_core.ports_concurrency import ConcurrencyLeaseRepository, ConcurrencyLimitRepository
from prefect_core.settings import Settings


class RunFilters(Protocol):
    """The joined filters every run/flow query accepts (any may be None)."""

    flows: FlowFilter | None
    flow_runs: FlowRunFilter | None
    task_runs: TaskRunFilter | None


class FlowRepository(Protocol):
    """Flows: unique by name."""

    async def get(self, flow_id: UUID) -> Flow | None: ...
    async def get_by_name(self, name: str) -> Flow | None: ...
    async def get_or_create(self, flow: Flow) -> Flow:
        """Insert `flow` unless a flow of that name exists; return the stored one."""
        ...
    async def update(self, flow_id: UUID, values: dict[str, Any]) -> bool:
        """Apply `values` to the flow; False if it does not exist."""
        ...
    async def delete(self, flow_id: UUID) -> bool: ...
    async def filter(
        self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None
    ) -> list[Flow]: ...
    async def count(self, filters: RunFilters) -> int: ...


class FlowRunRepository(Protocol):
    """Flow runs and their current state."""

    async def get(self, run_id: UUID, *, for_update: bool = False) -> FlowRun | None:
        """Read a run with its current state; `for_update` locks the row until commit."""
        ...
    async def get_by_idempotency_key(self, flow_id: UUID, key: str) -> FlowRun | None: ...
    async def insert(self, run: FlowRun) -> FlowRun: ...
    async def update(self, run_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, run_id: UUID) -> bool: ...
    async def filter(
        self, filters: RunFilters, sort: FlowRunSort, offset: int, limit: int | None
    ) -> list[FlowRun]: ...
    async def count(self, filters: RunFilters) -> int: ...
    async def timings(self, filters: RunFilters, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        """Expected start, state and estimated run time/lateness of matching runs expected in [start, end)."""
        ...


class TaskRunRepository(Protocol):
    """Task runs, unique on (flow_run_id, task_key, dynamic_key)."""

    async def get(self, run_id: UUID, *, for_update: bool = False) -> TaskRun | None: ...
    async def get_by_key(
        self, flow_run_id: UUID | None, task_key: str, dynamic_key: str
    ) -> TaskRun | None: ...
    async def insert(self, run: TaskRun) -> TaskRun:
        """Insert a task run; if (flow_run_id, task_key, dynamic_key) exists, return that one."""
        ...
    async def update(self, run_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, run_id: UUID) -> bool: ...
    async def filter(
        self, filters: RunFilters, sort: TaskRunSort, offset: int, limit: int | None
    ) -> list[TaskRun]: ...
    async def count(self, filters: RunFilters) -> int: ...
    async def timings(self, filters: RunFilters, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        """Expected start, state and estimated run time/lateness of matching runs expected in [start, end)."""
        ...
    async def get_many(self, run_ids: Sequence[UUID]) -> list[TaskRun]:
        """The runs with these ids that exist (with their current state), in any order."""
        ...
    async def add_states(self, states: Sequence[tuple[UUID, State]]) -> None:
        """Append `(run_id, state)` pairs to run histories, skipping state ids stored
        already; current states are left alone. (For the task-run recorder, which
        may see states late or twice.)"""
        ...
    async def set_current_state(self, run_id: UUID, state: State, values: dict[str, Any]) -> None:
        """Make `state` (already in the history) the run's current state and apply `values`."""
        ...


class StateRepository(Protocol):
    """The state history of one kind of run (flow runs or task runs)."""

    async def add(self, run_id: UUID, state: State, run_values: dict[str, Any] | None = None) -> None:
        """Append `state` to the run's history and make it the run's current state,
        writing `run_values` (the run's bookkeeping) to the run in the same update."""
        ...
    async def get(self, state_id: UUID) -> State | None: ...
    async def history(self, run_id: UUID) -> list[State]:
        """All states of a run, oldest first."""
        ...


class CacheRepository(Protocol):
    """Task cache keys: the state a cached task run completed with."""

    async def get(self, cache_key: str, now: dt.datetime) -> State | None:
        """The unexpired state stored under `cache_key`, if any."""
        ...
    async def put(self, cache_key: str, state: State, expiration: dt.datetime | None) -> None: ...


class LogRepository(Protocol):
    async def insert_many(self, logs: Sequence[Log]) -> None: ...
    async def filter(
        self, filter: LogFilter | None, sort: LogSort, offset: int, limit: int | None
    ) -> list[Log]: ...
    async def count(self, filter: LogFilter | None) -> int: ...


class EventRepository(Protocol):
    """Stored events, queried with `EventFilter`s."""

    async def insert_many(self, events: Sequence[Event]) -> list[Event]:
        """Store events; an event whose id is stored already is skipped.
        Returns the events stored now, in the given order."""
        ...
    async def filter(self, filter: EventFilter, limit: int | None = None, offset: int = 0) -> list[Event]:
        """Matching events, by `occurred` in `filter.order` (ties by id); one per
        resource when `filter.resource.distinct`."""
        ...
    async def count(self, filter: EventFilter) -> int:
        """How many events match (how many resources, when distinct)."""
        ...
    async def count_by(self, filter: EventFilter, field: Literal["event", "resource"]) -> list[EventCount]:
        """Matching events grouped by name or by resource id: value, label (the
        resource's latest name for resources), count, first and last occurred."""
        ...
    async def occurred_times(self, filter: EventFilter) -> list[dt.datetime]:
        """When each matching event occurred (for time-bucketed counts)."""
        ...


class UnitOfWork(Protocol):
    """One transaction and the repositories bound to it."""

    flows: FlowRepository
    flow_runs: FlowRunRepository
    task_runs: TaskRunRepository
    flow_run_states: StateRepository
    task_run_states: StateRepository
    task_cache: CacheRepository
    logs: LogRepository
    events: EventRepository
    # deployments and work pools (their protocols are at the end of this module)
    deployments: DeploymentRepository
    deployment_schedules: DeploymentScheduleRepository
    scheduled_runs: ScheduledRunRepository
    work_pools: WorkPoolRepository
    work_queues: WorkQueueRepository
    workers: WorkerRepository
    # flow run inputs and start times (their protocols are at the end of this module)
    flow_run_inputs: FlowRunInputRepository
    flow_run_starts: FlowRunStartRepository
    # global concurrency limits and their leases (prefect_core.ports_concurrency)
    concurrency_limits: ConcurrencyLimitRepository
    concurrency_leases: ConcurrencyLeaseRepository


class Storage(Protocol):
    """An open connection to a database."""

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only unit of work (a consistent snapshot where the backend offers one)."""
        ...

    def write(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-write unit of work: commits when the block exits normally, rolls back on error.

        Backends serialise or lock as they must so that two concurrent writers never
        lose an update; callers never see 'database is locked'.
        """
        ...

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        ...

    def describe(self) -> dict[str, Any]:
        """What /admin/settings may show about this storage (no secrets)."""
        ...


class StorageBackend(Protocol):
    """What a storage plugin's hook returns: a factory for `Storage`."""

    #: The name users select with PREFECT_DATABASE_BACKEND (e.g. "sqlite", "postgres").
    scheme: ClassVar[str]

    def open(self, settings: Settings) -> AbstractAsyncContextManager[Storage]:
        """Connect, apply pending migrations, yield the storage, and close it on exit."""
        ...


class EventBroker(Protocol):
    """Fans events out to live subscribers (memory in one process; Redis across several)."""

    async def publish(self, events: Sequence[Event]) -> None:
        """Hand events to every current subscriber; never waits on a slow one."""
        ...

    def subscribe(
        self, matches: Callable[[Event], bool] | None = None
    ) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Receive every event published after subscribing (only those `matches`
        accepts, if given), until the block exits. The iterator ends early if the
        subscriber fell too far behind or the broker closed; the caller should then
        tell its client to reconnect."""
        ...

    async def close(self) -> None:
        """End every subscription and release connections."""
        ...


# --- deployments, schedules, work pools, work queues, workers ---------------


class DeploymentFilters(RunFilters, Protocol):
    """The joined filters a deployment query accepts (any may be None)."""

    deployments: DeploymentFilter | None
    work_pools: WorkPoolFilter | None
    work_pool_queues: WorkQueueFilter | None


class DeploymentRepository(Protocol):
    """Deployments: unique on (flow_id, name). Reads carry schedules and the pool name."""

    async def get(self, deployment_id: UUID) -> Deployment | None: ...
    async def get_by_name(self, flow_name: str, name: str) -> Deployment | None: ...
    async def upsert(self, deployment: Deployment, update_fields: set[str]) -> tuple[Deployment, bool]:
        """Insert `deployment`, or, when (flow_id, name) exists, set `update_fields`
        on the stored one. Returns the stored deployment and whether it was inserted."""
        ...
    async def update(self, deployment_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, deployment_id: UUID) -> bool: ...
    async def filter(
        self, filters: DeploymentFilters, sort: DeploymentSort, offset: int, limit: int | None
    ) -> list[Deployment]: ...
    async def count(self, filters: DeploymentFilters) -> int: ...
    async def mark_polled(
        self, now: dt.datetime, *, deployment_ids: Sequence[UUID] = (), work_queue_ids: Sequence[UUID] = ()
    ) -> list[UUID]:
        """Set last_polled and READY on the deployments given or served by those
        queues; returns the ids that were NOT_READY before."""
        ...
    async def mark_unpolled(self, polled_before: dt.datetime) -> list[UUID]:
        """Set NOT_READY on READY deployments not polled since `polled_before`; returns their ids."""
        ...
    async def needing_runs(
        self,
        now: dt.datetime,
        *,
        min_runs: int,
        min_horizon: dt.datetime,
        updated_since: dt.datetime | None,
        after_id: UUID | None,
        limit: int,
    ) -> list[UUID]:
        """Unpaused deployments (ordered by id, after `after_id`) with an active
        schedule holding fewer than `min_runs` future auto-scheduled runs or none
        reaching `min_horizon`; with `updated_since`, only deployments updated since."""
        ...
    async def lock_and_count_active(
        self, deployment_id: UUID, *, exclude_run_id: UUID | None = None
    ) -> DeploymentConcurrency | None:
        """The deployment's concurrency limit, collision strategy and how many of its
        runs (besides `exclude_run_id`) hold slots; None when it has no limit (or no
        longer exists). When it has a limit, its row is locked until commit first, so
        two units of work cannot both count a last free slot as theirs."""
        ...
    async def flow_run_relatives(
        self,
        flow_id: UUID,
        *,
        deployment_id: UUID | None,
        work_queue_id: UUID | None,
        parent_task_run_id: UUID | None,
    ) -> "FlowRunRelatives":
        """A flow run's flow, deployment, work queue (and its pool) and parent task
        run, in one read, for its events; what does not exist is None."""
        ...


class DeploymentScheduleRepository(Protocol):
    """A deployment's schedules, newest-updated first."""

    async def list(self, deployment_id: UUID, *, active_only: bool = False) -> list[DeploymentSchedule]: ...
    async def get(self, deployment_id: UUID, schedule_id: UUID) -> DeploymentSchedule | None: ...
    async def insert_many(self, deployment_id: UUID, schedules: Sequence[DeploymentSchedule]) -> None: ...
    async def update(self, deployment_id: UUID, schedule_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, deployment_id: UUID, schedule_id: UUID) -> bool: ...
    async def delete_all(self, deployment_id: UUID) -> None: ...


@dataclass(frozen=True)
class WorkerRunQuery:
    """What a worker's poll asks for (`POST /work_pools/{name}/get_scheduled_flow_runs`)."""

    work_pool_ids: Sequence[UUID]
    #: None: every queue of the pools.
    work_queue_ids: Sequence[UUID] | None
    scheduled_before: dt.datetime | None
    scheduled_after: dt.datetime | None
    limit: int
    respect_queue_priorities: bool
    now: dt.datetime
    #: Runs handed out are claimed until then: no other poll gets them before.
    claim_until: dt.datetime


@dataclass(frozen=True)
class ClaimedRun:
    work_pool_id: UUID
    work_queue_id: UUID
    flow_run_id: UUID


class ScheduledRunRepository(Protocol):
    """Scheduled flow runs in bulk: the scheduler's inserts and the workers' claims."""

    async def insert_many(self, runs: Sequence[FlowRun]) -> list[UUID]:
        """Insert SCHEDULED runs (each with its `state`), skipping any whose
        (flow_id, idempotency_key) exists; returns the ids inserted."""
        ...
    async def delete_unstarted(
        self, deployment_id: UUID, *, auto_scheduled_only: bool, after: dt.datetime | None
    ) -> int:
        """Delete the deployment's SCHEDULED runs that never ran (only those
        scheduled after `after`, when given)."""
        ...
    async def claim(self, query: WorkerRunQuery) -> list[ClaimedRun]:
        """Due runs of unpaused pools and queues, by queue priority then time, within
        pool and queue concurrency limits; claims them until `query.claim_until`.
        Two concurrent calls never return the same run."""
        ...


class WorkPoolRepository(Protocol):
    """Work pools: unique by name."""

    async def get(self, pool_id: UUID) -> WorkPool | None: ...
    async def get_by_name(self, name: str) -> WorkPool | None: ...
    async def insert(self, pool: WorkPool) -> bool:
        """Insert; False (nothing written) if the name is taken."""
        ...
    async def update(self, pool_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, pool_id: UUID) -> bool: ...
    async def filter(self, filter: WorkPoolFilter | None, offset: int, limit: int | None) -> list[WorkPool]: ...
    async def count(self, filter: WorkPoolFilter | None) -> int: ...
    async def active_slots(self, pool_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, int]:
        """Runs holding a slot (PENDING, RUNNING, or claimed) per pool."""
        ...


class WorkQueueRepository(Protocol):
    """Work queues: unique on (work_pool_id, name); listed by priority."""

    async def get(self, queue_id: UUID) -> WorkQueue | None: ...
    async def get_by_name(self, pool_id: UUID, name: str) -> WorkQueue | None: ...
    async def insert(self, queue: WorkQueue) -> bool:
        """Insert; False (nothing written) if the pool has a queue of that name."""
        ...
    async def update(self, queue_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, queue_id: UUID) -> bool: ...
    async def list(
        self, pool_id: UUID | None, filter: WorkQueueFilter | None, offset: int, limit: int | None
    ) -> list[WorkQueue]: ...
    async def count(self, pool_id: UUID | None, filter: WorkQueueFilter | None) -> int: ...
    async def set_priorities(self, priorities: dict[UUID, int]) -> None: ...
    async def mark_polled(self, queue_ids: Sequence[UUID], now: dt.datetime) -> None:
        """Set last_polled, and READY on those not PAUSED."""
        ...
    async def mark_unpolled(self, polled_before: dt.datetime) -> list[UUID]:
        """Set NOT_READY on READY queues not polled since `polled_before`."""
        ...
    async def active_slots(self, queue_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, int]: ...
    async def late_runs_count(self, queue_id: UUID) -> int: ...


class WorkerRepository(Protocol):
    """Workers of a pool, as their heartbeats report them; unique on (work_pool_id, name)."""

    async def heartbeat(self, pool_id: UUID, name: str, interval: int | None, now: dt.datetime) -> None:
        """Record a heartbeat (insert or update): ONLINE as of `now`."""
        ...
    async def filter(
        self, pool_id: UUID, filter: WorkerFilter | None, offset: int, limit: int | None
    ) -> list[Worker]: ...
    async def delete(self, pool_id: UUID, name: str) -> bool: ...
    async def mark_offline(self, now: dt.datetime, *, default_interval: int, multiple: float) -> list[UUID]:
        """Set OFFLINE on ONLINE workers silent for `multiple` heartbeat intervals;
        returns the ids of the pools they belong to."""
        ...
    async def count_online(self, pool_id: UUID) -> int: ...


# --- flow run inputs, flow run start times ---------------------------------


class FlowRunInputRepository(Protocol):
    """Key/value inputs sent to flow runs; unique on (flow_run_id, key), deleted with their run."""

    async def insert(self, item: FlowRunInput) -> bool:
        """Store `item`; False (nothing written) if its run has an input under that key."""
        ...
    async def get(self, flow_run_id: UUID, key: str) -> FlowRunInput | None: ...
    async def filter(
        self, flow_run_id: UUID, *, prefix: str, exclude_keys: Sequence[str], limit: int | None
    ) -> list[FlowRunInput]:
        """The run's inputs whose key starts with `prefix` (literally), oldest first."""
        ...
    async def delete(self, flow_run_id: UUID, key: str) -> bool: ...


@dataclass(frozen=True)
class RunStart:
    """When a run was expected to start, when it did, and where it stands."""

    expected_start_time: dt.datetime | None
    start_time: dt.datetime | None
    state_type: StateType | None


class FlowRunStartRepository(Protocol):
    """Start times of many flow runs at once, for aggregates such as lateness."""

    async def starts(self, filters: RunFilters) -> list[RunStart]:
        """One `RunStart` per flow run matching `filters` (deployment and queue filters included)."""
        ...


@dataclass(frozen=True)
class Relative:
    """An object a flow run's events name as a related resource."""

    id: UUID
    name: str
    tags: tuple[str, ...] = ()
    #: A work pool's type.
    type: str | None = None


@dataclass(frozen=True)
class FlowRunRelatives:
    """What a flow run's state-change events name besides the run itself."""

    flow: Relative | None = None
    deployment: Relative | None = None
    work_queue: Relative | None = None
    work_pool: Relative | None = None
    parent_task_run: Relative | None = None
