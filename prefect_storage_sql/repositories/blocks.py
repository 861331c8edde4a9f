"""Block types and block schemas (each schema read with its block type)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from prefect_core import timeutil
from prefect_core.errors import Conflict
from prefect_core.ids import uuid7
from prefect_core.schemas.blocks import BlockSchema, BlockType
from prefect_core.schemas.filters.blocks import BlockSchemaFilter, BlockTypeFilter
from prefect_storage_sql import tables
from prefect_storage_sql.filters.blocks import block_schema_condition, block_type_condition
from prefect_storage_sql.repositories.base import SqlRepository, by_id, page, prebuilt

bt, bs, bsr = tables.block_type, tables.block_schema, tables.block_schema_reference

_TYPE_COLUMNS = [c.name for c in bt.c]


def _to_type(row: Any) -> BlockType:
    return BlockType.model_validate(dict(row._mapping))


class SqlBlockTypeRepository(SqlRepository):
    """Implements `prefect_core.ports.blocks.BlockTypeRepository`."""

    async def insert(self, block_type: BlockType) -> None:
        try:
            await self.conn.execute(sa.insert(bt).values(**block_type.model_dump()))
        except sa_exc.IntegrityError:
            raise Conflict(f'Block type with name "{block_type.name}" already exists') from None

    async def insert_missing(self, block_types: Sequence[BlockType]) -> None:
        rows = [t.model_dump() for t in block_types]
        if rows:
            await self.conn.execute(self.support.insert_ignoring_conflicts(bt, ["slug"]), rows)

    async def get(self, block_type_id: UUID) -> BlockType | None:
        stmt = prebuilt(("block_type", "get"), lambda: sa.select(bt).where(by_id(bt)))
        row = (await self.conn.execute(stmt, {"_row_id": block_type_id})).first()
        return _to_type(row) if row else None

    async def get_by_slug(self, slug: str) -> BlockType | None:
        stmt = prebuilt(("block_type", "slug"), lambda: sa.select(bt).where(bt.c.slug == sa.bindparam("_slug")))
        row = (await self.conn.execute(stmt, {"_slug": slug})).first()
        return _to_type(row) if row else None

    async def get_by_slugs(self, slugs: Sequence[str]) -> list[BlockType]:
        rows = await self.conn.execute(sa.select(bt).where(bt.c.slug.in_(list(slugs))))
        return [_to_type(row) for row in rows]

    async def get_many(self, block_type_ids: Sequence[UUID]) -> list[BlockType]:
        if not block_type_ids:
            return []
        rows = await self.conn.execute(sa.select(bt).where(bt.c.id.in_(list(block_type_ids))))
        return [_to_type(row) for row in rows]

    async def filter(
        self,
        block_types: BlockTypeFilter | None,
        block_schemas: BlockSchemaFilter | None,
        *,
        offset: int,
        limit: int | None,
    ) -> list[BlockType]:
        stmt = sa.select(bt).where(block_type_condition(block_types))
        if block_schemas is not None:
            stmt = stmt.where(
                sa.exists().where(bs.c.block_type_id == bt.c.id, block_schema_condition(block_schemas, self.support))
            )
        rows = await self.conn.execute(page(stmt.order_by(bt.c.name), offset, limit))
        return [_to_type(row) for row in rows]

    async def update(self, block_type_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(bt, block_type_id, values)

    async def delete(self, block_type_id: UUID) -> bool:
        return await self._delete_by_id(bt, block_type_id)


def _schema_select() -> sa.Select[Any]:
    return sa.select(bs, *(bt.c[name].label(f"bt_{name}") for name in _TYPE_COLUMNS)).join(
        bt, bt.c.id == bs.c.block_type_id
    )


def _to_schema(row: Any) -> BlockSchema:
    values = dict(row._mapping)
    block_type = {name: values.pop(f"bt_{name}") for name in _TYPE_COLUMNS}
    return BlockSchema.model_validate({**values, "block_type": block_type})


class SqlBlockSchemaRepository(SqlRepository):
    """Implements `prefect_core.ports.blocks.BlockSchemaRepository`."""

    async def insert(self, block_schema: BlockSchema) -> bool:
        values = block_schema.model_dump(exclude={"block_type"})
        stmt = self.support.insert_ignoring_conflicts(bs, ["checksum", "version"])
        result = await self.conn.execute(stmt, [values])
        return result.rowcount > 0

    async def insert_missing(self, block_schemas: Sequence[BlockSchema]) -> None:
        if not block_schemas:
            return
        pairs = await self.conn.execute(
            sa.select(bs.c.checksum, bs.c.version).where(bs.c.checksum.in_([s.checksum for s in block_schemas]))
        )
        stored = {(checksum, version) for checksum, version in pairs}
        rows = [s.model_dump(exclude={"block_type"}) for s in block_schemas if (s.checksum, s.version) not in stored]
        if rows:
            await self.conn.execute(self.support.insert_ignoring_conflicts(bs, ["checksum", "version"]), rows)

    async def get(self, block_schema_id: UUID) -> BlockSchema | None:
        stmt = prebuilt(("block_schema", "get"), lambda: _schema_select().where(by_id(bs)))
        row = (await self.conn.execute(stmt, {"_row_id": block_schema_id})).first()
        return _to_schema(row) if row else None

    async def get_many(self, block_schema_ids: Sequence[UUID]) -> list[BlockSchema]:
        if not block_schema_ids:
            return []
        rows = await self.conn.execute(_schema_select().where(bs.c.id.in_(list(block_schema_ids))))
        return [_to_schema(row) for row in rows]

    async def get_by_checksum(self, checksum: str, version: str | None = None) -> BlockSchema | None:
        stmt = _schema_select().where(bs.c.checksum == checksum)
        if version is not None:
            stmt = stmt.where(bs.c.version == version)
        row = (await self.conn.execute(stmt.order_by(bs.c.created.desc()).limit(1))).first()
        return _to_schema(row) if row else None

    async def filter(
        self, block_schemas: BlockSchemaFilter | None, *, offset: int, limit: int | None
    ) -> list[BlockSchema]:
        stmt = _schema_select().where(block_schema_condition(block_schemas, self.support))
        rows = await self.conn.execute(page(stmt.order_by(bs.c.created.desc(), bs.c.id), offset, limit))
        return [_to_schema(row) for row in rows]

    async def delete(self, block_schema_id: UUID) -> bool:
        return await self._delete_by_id(bs, block_schema_id)

    async def capabilities(self) -> list[str]:
        found: dict[str, None] = {}
        for capabilities in (await self.conn.execute(sa.select(bs.c.capabilities).distinct())).scalars():
            found.update(dict.fromkeys(capabilities or []))
        return list(found)

    async def add_reference(self, parent_id: UUID, reference_id: UUID, name: str) -> None:
        now = timeutil.now()
        row = {
            "id": uuid7(),
            "created": now,
            "updated": now,
            "name": name,
            "parent_id": parent_id,
            "reference_id": reference_id,
        }
        stmt = self.support.insert_ignoring_conflicts(bsr, ["parent_id", "reference_id", "name"])
        await self.conn.execute(stmt, [row])
