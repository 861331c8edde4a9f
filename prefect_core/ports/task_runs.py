"""Task runs and the task cache."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from prefect_core.ports.run_filters import HistoryCount, RunFilters
from prefect_core.schemas.runs import TaskRun
from prefect_core.schemas.sorting import TaskRunSort
from prefect_core.schemas.states import State


class TaskRunRepository(Protocol):
    """Task runs, unique on (flow_run_id, task_key, dynamic_key)."""

    async def get(self, run_id: UUID, *, for_update: bool = False) -> TaskRun | None: ...
    async def get_by_key(self, flow_run_id: UUID | None, task_key: str, dynamic_key: str) -> TaskRun | None: ...
    async def insert(self, run: TaskRun) -> TaskRun:
        """Insert a task run; if (flow_run_id, task_key, dynamic_key) exists, return that one."""
        ...

    async def update(self, run_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, run_id: UUID) -> bool: ...
    async def filter(self, filters: RunFilters, sort: TaskRunSort, offset: int, limit: int | None) -> list[TaskRun]: ...
    async def filter_documents(
        self, filters: RunFilters, sort: TaskRunSort, offset: int, limit: int | None
    ) -> list[dict[str, Any]]:
        """`filter`'s page as JSON-ready dicts, each what its `TaskRun` would serialise to
        (datetimes aware UTC), built from the stored rows without the model."""
        ...

    async def get_document(self, run_id: UUID) -> dict[str, Any] | None:
        """`get`'s run as a JSON-ready dict (as `filter_documents`), or None."""
        ...

    async def count(self, filters: RunFilters) -> int: ...
    async def history(
        self, filters: RunFilters, start: dt.datetime, interval_seconds: float, count: int, now: dt.datetime
    ) -> list[HistoryCount]:
        """Matching runs with a state expected in `count` intervals of `interval_seconds`
        from `start`, counted per interval and state, their estimates taken at `now`."""
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


class CacheRepository(Protocol):
    """Task cache keys: the state a cached task run completed with."""

    async def get(self, cache_key: str, now: dt.datetime) -> State | None:
        """The unexpired state stored under `cache_key`, if any."""
        ...

    async def put(self, cache_key: str, state: State, expiration: dt.datetime | None) -> None: ...
