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
    async def get_document(self, flow_id: UUID) -> dict[str, Any] | None:
        """`get`'s flow as the JSON-ready dict its model serialises to (datetimes aware UTC),
        built from the stored row without the model; None if there is none."""
        ...

    async def get_by_name(self, name: str) -> Flow | None: ...
    async def get_document_by_name(self, name: str) -> dict[str, Any] | None:
        """`get_by_name`'s flow as a JSON-ready dict (as `get_document`), or None."""
        ...

    async def get_or_create(self, flow: Flow) -> Flow:
        """Insert `flow` unless a flow of that name exists; return the stored one."""
        ...

    async def update(self, flow_id: UUID, values: dict[str, Any]) -> bool:
        """Apply `values` to the flow; False if it does not exist."""
        ...

    async def delete(self, flow_id: UUID) -> bool: ...
    async def filter(self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None) -> list[Flow]: ...
    async def filter_documents(
        self, filters: RunFilters, sort: FlowSort, offset: int, limit: int | None
    ) -> list[dict[str, Any]]:
        """`filter`'s page as JSON-ready dicts (as `get_document`)."""
        ...

    async def count(self, filters: RunFilters) -> int: ...
