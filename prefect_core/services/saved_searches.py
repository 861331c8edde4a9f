"""Saved search use cases."""

from __future__ import annotations

from uuid import UUID

from prefect_core.errors import NotFound
from prefect_core.ports import Storage
from prefect_core.schemas.bodies.base import PagedBody
from prefect_core.schemas.saved_searches import SavedSearch, SavedSearchCreate

_NOT_FOUND = "Saved search not found"


class SavedSearchService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def put(self, body: SavedSearchCreate) -> tuple[SavedSearch, bool]:
        """Create the search, or replace the filters of the one of that name; True when new."""
        async with self.storage.write() as uow:
            return await uow.saved_searches.upsert(SavedSearch(name=body.name, filters=body.filters))

    async def read(self, search_id: UUID) -> SavedSearch:
        async with self.storage.read() as uow:
            search = await uow.saved_searches.get(search_id)
        if search is None:
            raise NotFound(_NOT_FOUND)
        return search

    async def filter(self, body: PagedBody) -> list[SavedSearch]:
        async with self.storage.read() as uow:
            return await uow.saved_searches.list(body.offset, body.limit)

    async def delete(self, search_id: UUID) -> None:
        async with self.storage.write() as uow:
            if not await uow.saved_searches.delete(search_id):
                raise NotFound(_NOT_FOUND)
