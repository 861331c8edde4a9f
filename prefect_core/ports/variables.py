"""Variables."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.filters.variables import VariableFilter
from prefect_core.schemas.variables import Variable, VariableSort


class VariableRepository(Protocol):
    """Variables: unique by name."""

    async def insert(self, variable: Variable) -> bool:
        """Store `variable`; False (nothing written) when a variable has its name."""
        ...

    async def get(self, variable_id: UUID) -> Variable | None: ...
    async def get_by_name(self, name: str) -> Variable | None: ...
    async def update(self, variable_id: UUID, values: dict[str, Any]) -> bool:
        """Apply `values` (and a new `updated` stamp); False if there is no such variable."""
        ...

    async def delete(self, variable_id: UUID) -> bool: ...
    async def filter(
        self, flt: VariableFilter | None, sort: VariableSort, offset: int, limit: int | None
    ) -> list[Variable]: ...
    async def count(self, flt: VariableFilter | None) -> int: ...
