"""State histories of flow runs and task runs."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.states import State


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
