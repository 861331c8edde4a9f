"""Reading all the logs of a flow run, page by page (for the CSV download)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

from prefect_core.ports import Storage
from prefect_core.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect_core.schemas.logs import Log
from prefect_core.schemas.sorting import LogSort

#: Logs read per query (the reference's download page size).
PAGE_SIZE = 1000


class FlowRunLogService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def pages(self, run_id: UUID, page_size: int = PAGE_SIZE) -> AsyncIterator[list[Log]]:
        """The run's logs, oldest first, `page_size` at a time. Each page is read in a
        transaction of its own, so none stays open while the caller sends a page on."""
        log_filter = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
        offset = 0
        while True:
            async with self.storage.read() as uow:
                page = await uow.logs.filter(log_filter, LogSort.TIMESTAMP_ASC, offset, page_size)
            if not page:
                return
            yield page
            offset += page_size
