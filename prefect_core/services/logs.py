"""Log use cases."""

from __future__ import annotations

from collections.abc import Sequence

from prefect_core.ports import Storage
from prefect_core.schemas.logs import Log, LogCreate
from prefect_core.services.queries import LogQuery


class LogService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def create_many(self, items: Sequence[LogCreate]) -> None:
        logs = [Log(**item.model_dump()) for item in items]
        async with self.storage.write() as uow:
            await uow.logs.insert_many(logs)

    async def filter(self, query: LogQuery) -> list[Log]:
        async with self.storage.read() as uow:
            return await uow.logs.filter(query.logs, query.sort, query.offset, query.limit)
