"""Repository and unit-of-work protocols: what the core needs from storage.

A storage plugin implements these; the use cases in `prefect_core.services`
depend only on them. Every repository method runs inside the unit of work
that created it, so a use case's reads and writes commit or roll back as one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar, Protocol
from uuid import UUID

from prefect_core.schemas.events import Event, EventFilter
from prefect_core.schemas.filters import (
    FlowFilter,
    FlowRunFilter,
    LogFilter,
    TaskRunFilter,
)
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.logs import Log
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort
from prefect_core.schemas.states import State
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


class StateRepository(Protocol):
    """The state history of one kind of run (flow runs or task runs)."""

    async def add(self, run_id: UUID, state: State) -> None:
        """Append `state` to the run's history and make it the run's current state."""
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
    async def insert_many(self, events: Sequence[Event]) -> None:
        """Store events; an event whose id is stored already is skipped."""
        ...
    async def filter(self, filter: EventFilter, limit: int) -> list[Event]: ...
    async def count(self, filter: EventFilter) -> int: ...


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

    async def publish(self, events: Sequence[Event]) -> None: ...

    def subscribe(self) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Receive every event published after subscribing, until the block exits."""
        ...
