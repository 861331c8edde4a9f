"""Which states runs have actually been in: filter pickers offer exact names from here."""

from __future__ import annotations

from prefect_core.ports import Storage
from prefect_core.schemas.observed_states import ObservedState, ObservedStateQuery


class ObservedStateService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def search(self, query: ObservedStateQuery) -> list[ObservedState]:
        """State pairs of retained transitions; deleting runs can move or remove them."""
        prefix = query.query.strip() if query.query else None
        async with self.storage.read() as uow:
            return await uow.observed_states.search(prefix or None, query.order_by, query.limit)
