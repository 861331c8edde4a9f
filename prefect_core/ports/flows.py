"""Flows."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from prefect_core.ports.run_filters import RunFilters
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.sorting import FlowSort


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
    async def filter(self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None) -> list[Flow]: ...
    async def count(self, filters: RunFilters) -> int: ...
