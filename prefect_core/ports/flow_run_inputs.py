"""Inputs sent to flow runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from prefect_core.schemas.flow_run_inputs import FlowRunInput


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
