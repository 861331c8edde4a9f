"""Flow runs and their start times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from prefect_core.ports.run_filters import HistoryCount, RunFilters
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.states import StateType


class FlowRunRepository(Protocol):
    """Flow runs and their current state."""

    async def get(self, run_id: UUID, *, for_update: bool = False) -> FlowRun | None:
        """Read a run with its current state; `for_update` locks the row until commit."""
        ...

    async def exists(self, run_id: UUID) -> bool:
        """Whether the run is stored (cheaper than `get`: nothing is read or built)."""
        ...

    async def get_by_idempotency_key(self, flow_id: UUID, key: str) -> FlowRun | None: ...
    async def insert(self, run: FlowRun) -> FlowRun: ...
    async def update(self, run_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, run_id: UUID) -> bool: ...
    async def filter(self, filters: RunFilters, sort: FlowRunSort, offset: int, limit: int | None) -> list[FlowRun]: ...
    async def filter_documents(
        self, filters: RunFilters, sort: FlowRunSort, offset: int, limit: int | None
    ) -> list[dict[str, Any]]:
        """`filter`'s page as JSON-ready dicts, each what its `FlowRun` would serialise to
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
