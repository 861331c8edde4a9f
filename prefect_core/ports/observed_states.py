"""The state type/name pairs found in run histories."""

from __future__ import annotations

from typing import Protocol

from prefect_core.schemas.observed_states import ObservedState, ObservedStateSort


class ObservedStateRepository(Protocol):
    """Reads over the flow-run and task-run state histories together."""

    async def search(self, prefix: str | None, order_by: ObservedStateSort, limit: int) -> list[ObservedState]:
        """Distinct (type, name) pairs whose name or type starts with `prefix` (ignoring
        case; all when None), with the earliest and latest timestamp of each, at most `limit`."""
        ...
