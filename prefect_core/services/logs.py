"""Log use cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect_core.ports import Storage
from prefect_core.schemas.bodies.queries import LogQuery
from prefect_core.schemas.logs import Log, LogCreate
from prefect_core.services.log_stream import LogStream


class LogService:
    def __init__(self, storage: Storage, stream: LogStream | None = None, *, publish: bool = False) -> None:
        self.storage = storage
        #: Where stored logs go live (`/logs/out`), when publishing is on.
        self.stream = stream or LogStream()
        self.publish = publish

    async def create_many(self, items: Sequence[LogCreate]) -> None:
        """Store logs. NUL characters are dropped from names and messages (as the
        reference does): a task may well log binary data, and PostgreSQL text
        cannot hold NUL."""
        logs = [Log(**_without_nul(item.model_dump())) for item in items]
        async with self.storage.write() as uow:
            await uow.logs.insert_many(logs)
        if self.publish:
            self.stream.publish(logs)

    async def filter(self, query: LogQuery) -> list[Log]:
        async with self.storage.read() as uow:
            return await uow.logs.filter(query.logs, query.sort, query.offset, query.limit)


def _without_nul(values: dict[str, Any]) -> dict[str, Any]:
    for key in ("name", "message"):
        if isinstance(values.get(key), str) and "\x00" in values[key]:
            values[key] = values[key].replace("\x00", "")
    return values
