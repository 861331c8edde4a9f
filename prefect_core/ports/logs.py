"""Logs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from prefect_core.schemas.filters import LogFilter
from prefect_core.schemas.logs import Log
from prefect_core.schemas.sorting import LogSort


class LogRepository(Protocol):
    async def insert_many(self, logs: Sequence[Log]) -> None: ...
    async def filter(self, filter: LogFilter | None, sort: LogSort, offset: int, limit: int | None) -> list[Log]: ...
    async def count(self, filter: LogFilter | None) -> int: ...
