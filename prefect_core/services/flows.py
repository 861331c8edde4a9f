"""Flow use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from prefect_core.errors import NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.bodies.queries import FlowPage, FlowQuery, RunFilterBody, page_count
from prefect_core.schemas.flows import Flow, FlowCreate, FlowUpdate

T = TypeVar("T")


class FlowService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def create(self, body: FlowCreate) -> tuple[Flow, bool]:
        """Create a flow, or return the one of that name. True when newly created."""
        # Nearly every call names a flow that exists (each run of a deployment, each subflow
        # call sends POST /flows/ first): one read answers it, without taking the writer.
        # A flow created meanwhile by someone else is found by the write's own lookup.
        async with self.storage.read(one_query=True) as uow:
            existing = await uow.flows.get_by_name(body.name)
        if existing is not None:
            return existing, False
        candidate = Flow(name=body.name, tags=body.tags, labels=body.labels)
        async with self.storage.write() as uow:
            stored = await uow.flows.get_or_create(candidate)
        return stored, stored.id == candidate.id

    async def _found(self, fetch: Callable[[UnitOfWork], Awaitable[T | None]]) -> T:
        """What `fetch` reads in one query, or `NotFound` when there is no such flow."""
        async with self.storage.read(one_query=True) as uow:
            found = await fetch(uow)
        if found is None:
            raise NotFound("Flow not found")
        return found

    async def read(self, flow_id: UUID) -> Flow:
        return await self._found(lambda uow: uow.flows.get(flow_id))

    async def read_document(self, flow_id: UUID) -> dict[str, Any]:
        """`read`'s flow as the JSON-ready dict its model serialises to (the port's `get_document`)."""
        return await self._found(lambda uow: uow.flows.get_document(flow_id))

    async def read_by_name(self, name: str) -> Flow:
        return await self._found(lambda uow: uow.flows.get_by_name(name))

    async def read_document_by_name(self, name: str) -> dict[str, Any]:
        """`read_by_name`'s flow as a JSON-ready dict."""
        return await self._found(lambda uow: uow.flows.get_document_by_name(name))

    async def update(self, flow_id: UUID, body: FlowUpdate) -> None:
        values = body.model_dump(exclude_unset=True)
        async with self.storage.write() as uow:
            found = await uow.flows.update(flow_id, values) if values else await uow.flows.get(flow_id)
        if not found:
            raise NotFound("Flow not found")

    async def delete(self, flow_id: UUID) -> None:
        async with self.storage.write() as uow:
            if not await uow.flows.delete(flow_id):
                raise NotFound("Flow not found")

    async def filter(self, query: FlowQuery) -> list[Flow]:
        async with self.storage.read(one_query=True) as uow:
            return await uow.flows.filter(query, query.sort, query.offset, query.limit)

    async def filter_documents(self, query: FlowQuery) -> list[dict[str, Any]]:
        """`filter`'s page as JSON-ready dicts (the port's `filter_documents`)."""
        async with self.storage.read(one_query=True) as uow:
            return await uow.flows.filter_documents(query, query.sort, query.offset, query.limit)

    async def count(self, body: RunFilterBody) -> int:
        async with self.storage.read(one_query=True) as uow:
            return await uow.flows.count(body)

    async def paginate(self, query: FlowPage) -> dict[str, Any]:
        """A page of flows (JSON-ready dicts, as `filter_documents`) with the count and page numbers."""
        async with self.storage.read() as uow:
            items = await uow.flows.filter_documents(query, query.sort, query.offset, query.limit)
            total = await uow.flows.count(query)
        return {
            "results": items,
            "count": total,
            "limit": query.limit,
            "pages": page_count(total, query.limit),
            "page": query.page,
        }
