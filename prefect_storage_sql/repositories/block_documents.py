"""Block documents and the references between them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from prefect_core import timeutil
from prefect_core.errors import Conflict
from prefect_core.ids import uuid7
from prefect_core.schemas.blocks import BlockDocument
from prefect_core.schemas.bodies.blocks import BlockDocumentSort
from prefect_core.schemas.filters.blocks import BlockDocumentFilter, BlockSchemaFilter, BlockTypeFilter
from prefect_storage_sql import tables
from prefect_storage_sql.filters.blocks import block_document_condition
from prefect_storage_sql.repositories.base import SqlRepository, page, prebuilt

bd, bdr, drs = tables.block_document, tables.block_document_reference, tables.default_result_storage
bek = tables.block_encryption_key

_SORTS: dict[BlockDocumentSort, list[sa.ColumnElement[Any]]] = {
    BlockDocumentSort.NAME_ASC: [bd.c.name.asc()],
    BlockDocumentSort.NAME_DESC: [bd.c.name.desc()],
    BlockDocumentSort.BLOCK_TYPE_AND_NAME_ASC: [bd.c.block_type_name.asc(), bd.c.name.asc()],
}


class SqlBlockDocumentRepository(SqlRepository):
    """Implements `prefect_core.ports.blocks.BlockDocumentRepository`."""

    async def insert(self, document: BlockDocument, sealed_data: str) -> None:
        values = document.model_dump(include={"id", "created", "updated", "name", "is_anonymous", "block_type_name"})
        values.update(block_schema_id=document.block_schema_id, block_type_id=document.block_type_id, data=sealed_data)
        try:
            await self.conn.execute(sa.insert(bd).values(**values))
        except sa_exc.IntegrityError:
            raise Conflict("Block already exists") from None

    async def exists(self, block_type_id: UUID, name: str) -> bool:
        stmt = sa.select(bd.c.id).where(bd.c.block_type_id == block_type_id, bd.c.name == name).limit(1)
        return (await self.conn.execute(stmt)).first() is not None

    async def get_rows(self, document_ids: Sequence[UUID]) -> list[tuple[BlockDocument, str]]:
        if not document_ids:
            return []
        rows = await self.conn.execute(sa.select(bd).where(bd.c.id.in_(list(document_ids))))
        out = []
        for row in rows:
            values = dict(row._mapping)
            sealed = values.pop("data")
            out.append((BlockDocument.model_validate(values), sealed))
        return out

    async def filter_ids(
        self,
        block_documents: BlockDocumentFilter | None,
        block_types: BlockTypeFilter | None,
        block_schemas: BlockSchemaFilter | None,
        *,
        sort: BlockDocumentSort,
        offset: int,
        limit: int | None,
    ) -> list[UUID]:
        condition = block_document_condition(block_documents, block_types, block_schemas, self.support)
        stmt = sa.select(bd.c.id).where(condition).order_by(*_SORTS[sort], bd.c.id)
        return list((await self.conn.execute(page(stmt, offset, limit))).scalars())

    async def count(
        self,
        block_documents: BlockDocumentFilter | None,
        block_types: BlockTypeFilter | None,
        block_schemas: BlockSchemaFilter | None,
    ) -> int:
        condition = block_document_condition(block_documents, block_types, block_schemas, self.support)
        return int((await self.conn.execute(sa.select(sa.func.count()).select_from(bd).where(condition))).scalar_one())

    async def update(self, document_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(bd, document_id, values)

    async def delete(self, document_id: UUID) -> bool:
        return await self._delete_by_id(bd, document_id)

    async def encryption_key(self) -> str | None:
        found = (await self.conn.execute(sa.select(bek.c.key).where(bek.c.id == 1))).scalar()
        return None if found is None else str(found)

    async def store_encryption_key(self, key: str) -> None:
        await self.conn.execute(self.support.insert_ignoring_conflicts(bek, ["id"]), [{"id": 1, "key": key}])

    async def references_from(self, parent_ids: Sequence[UUID]) -> list[tuple[UUID, str, UUID]]:
        if not parent_ids:
            return []
        stmt = sa.select(bdr.c.parent_id, bdr.c.name, bdr.c.reference_id).where(bdr.c.parent_id.in_(list(parent_ids)))
        return [(parent, name, child) for parent, name, child in await self.conn.execute(stmt.order_by(bdr.c.name))]

    async def set_references(self, parent_id: UUID, references: Sequence[tuple[str, UUID]]) -> None:
        wanted = dict(references)
        current = {
            name: (ref_id, target)
            for ref_id, name, target in await self.conn.execute(
                sa.select(bdr.c.id, bdr.c.name, bdr.c.reference_id).where(bdr.c.parent_id == parent_id)
            )
        }
        stale = [ref_id for name, (ref_id, target) in current.items() if wanted.get(name) != target]
        if stale:
            await self.conn.execute(sa.delete(bdr).where(bdr.c.id.in_(stale)))
        now = timeutil.now()
        rows = [
            {
                "id": uuid7(),
                "created": now,
                "updated": now,
                "name": name,
                "parent_id": parent_id,
                "reference_id": target,
            }
            for name, target in wanted.items()
            if current.get(name, (None, None))[1] != target
        ]
        if rows:
            await self.conn.execute(sa.insert(bdr), rows)

    async def default_storage(self) -> UUID | None:
        stmt = prebuilt(("default_storage", "get"), lambda: sa.select(drs.c.block_document_id).where(drs.c.id == 1))
        found = (await self.conn.execute(stmt)).scalar()
        return found if found is None else UUID(str(found))

    async def set_default_storage(self, document_id: UUID | None) -> None:
        if document_id is None:
            await self.conn.execute(sa.delete(drs))
            return
        values = {"id": 1, "updated": timeutil.now(), "block_document_id": document_id}
        result = await self.conn.execute(sa.update(drs).where(drs.c.id == 1).values(**values))
        if result.rowcount == 0:
            # Two first PUTs racing: one inserts, the other's insert is ignored and it updates.
            await self.conn.execute(self.support.insert_ignoring_conflicts(drs, ["id"]), [values])
            await self.conn.execute(sa.update(drs).where(drs.c.id == 1).values(**values))
