"""Saved searches."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from prefect_core.schemas.saved_searches import SavedSearch


class SavedSearchRepository(Protocol):
    """Saved searches: unique by name."""

    async def upsert(self, search: SavedSearch) -> tuple[SavedSearch, bool]:
        """Store `search`, or replace the filters of the one of its name; the stored
        search and whether it is new."""
        ...

    async def get(self, search_id: UUID) -> SavedSearch | None: ...
    async def delete(self, search_id: UUID) -> bool: ...
    async def list(self, offset: int, limit: int | None) -> list[SavedSearch]:
        """Saved searches in name order."""
        ...
