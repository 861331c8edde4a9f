"""Flow run inputs: keyed values sent to a run (a paused run's answer, messages)."""

from __future__ import annotations

from uuid import UUID

from prefect_core.errors import Conflict, NotFound
from prefect_core.ports import Storage
from prefect_core.schemas.flow_run_inputs import FlowRunInput, FlowRunInputCreate, FlowRunInputQuery

_NO_INPUT = "Flow run input not found"


class FlowRunInputService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def create(self, run_id: UUID, body: FlowRunInputCreate) -> FlowRunInput:
        """Store an input under a key not yet used for the run (409 otherwise)."""
        item = FlowRunInput(flow_run_id=run_id, key=body.key, value=body.value.decode(), sender=body.sender)
        async with self.storage.write() as uow:
            # Locked, so the run cannot be deleted between this check and the insert.
            if await uow.flow_runs.get(run_id, for_update=True) is None:
                raise NotFound("Flow run not found")
            if not await uow.flow_run_inputs.insert(item):
                raise Conflict("A flow run input with this key already exists.")
        return item

    async def filter(self, run_id: UUID, query: FlowRunInputQuery) -> list[FlowRunInput]:
        """The run's inputs whose key starts with the prefix, oldest first (none for an unknown run)."""
        # A negative limit means no limit, as SQLite (the reference's usual database) reads it.
        limit = query.limit if query.limit >= 0 else None
        async with self.storage.read() as uow:
            return await uow.flow_run_inputs.filter(
                run_id, prefix=query.prefix, exclude_keys=query.exclude_keys, limit=limit
            )

    async def read(self, run_id: UUID, key: str) -> FlowRunInput:
        async with self.storage.read() as uow:
            item = await uow.flow_run_inputs.get(run_id, key)
        if item is None:
            raise NotFound(_NO_INPUT)
        return item

    async def delete(self, run_id: UUID, key: str) -> None:
        async with self.storage.write() as uow:
            if not await uow.flow_run_inputs.delete(run_id, key):
                raise NotFound(_NO_INPUT)
