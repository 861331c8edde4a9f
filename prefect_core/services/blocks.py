"""Block types and block schemas: their lifecycle, and the nested schemas a schema
refers to (registered with it, as the reference does)."""

from __future__ import annotations

import html
from typing import Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import Conflict, Forbidden, NotFound
from prefect_core.events.block_events import block_type_event
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.blocks import (
    DEFAULT_BLOCK_SCHEMA_VERSION,
    BlockSchema,
    BlockSchemaCreate,
    BlockType,
    BlockTypeCreate,
    BlockTypeUpdate,
)
from prefect_core.schemas.bodies.blocks import BlockSchemaFilterBody, BlockTypeFilterBody
from prefect_core.services.block_data import nested_schema_fields, schema_checksum, schema_references
from prefect_core.services.events_sink import DiscardingSink, EventSink

TYPE_NOT_FOUND = "Block type not found"
SCHEMA_NOT_FOUND = "Block schema not found"
RESERVED_TYPE_NAME = "Block type names beginning with 'Prefect' are reserved."
PROTECTED_TYPE = "protected block types cannot be deleted."
PROTECTED_SCHEMA = "Block schemas for protected block types cannot be deleted."


def _escaped(text: str | None) -> str | None:
    # The reference escapes these on create (the UI renders them as markdown).
    return None if text is None else html.escape(text, quote=False)


class BlockTypeService:
    def __init__(self, storage: Storage, events: EventSink | None = None) -> None:
        self.storage = storage
        self.events: EventSink = events or DiscardingSink()

    async def create(self, body: BlockTypeCreate) -> BlockType:
        if body.name.lower().startswith("prefect"):
            raise Forbidden(RESERVED_TYPE_NAME)
        now = timeutil.now()
        values = body.model_dump()
        values.update(description=_escaped(body.description), code_example=_escaped(body.code_example))
        block_type = BlockType(**values, created=now, updated=now)
        async with self.storage.write() as uow:
            try:
                await uow.block_types.insert(block_type)
            except Conflict:
                raise Conflict(f'Block type with name "{body.name}" already exists') from None
        await self.events.emit([block_type_event("created", block_type, now)])
        return block_type

    async def read(self, block_type_id: UUID) -> BlockType:
        async with self.storage.read() as uow:
            found = await uow.block_types.get(block_type_id)
        if found is None:
            raise NotFound(TYPE_NOT_FOUND)
        return found

    async def read_by_slug(self, slug: str) -> BlockType:
        async with self.storage.read() as uow:
            found = await uow.block_types.get_by_slug(slug)
        if found is None:
            raise NotFound(TYPE_NOT_FOUND)
        return found

    async def filter(self, body: BlockTypeFilterBody) -> list[BlockType]:
        async with self.storage.read() as uow:
            return await uow.block_types.filter(
                body.block_types, body.block_schemas, offset=body.offset, limit=body.limit
            )

    async def update(self, block_type_id: UUID, body: BlockTypeUpdate) -> None:
        """Set the fields sent (only writing when one differs from what is stored).
        Protected types may be updated, as in the reference; not deleted."""
        values = body.model_dump(exclude_unset=True)
        async with self.storage.write() as uow:
            current = await uow.block_types.get(block_type_id)
            if current is None:
                raise NotFound(TYPE_NOT_FOUND)
            if not any(getattr(current, key) != value for key, value in values.items()):
                return
            await uow.block_types.update(block_type_id, values)
        updated = current.model_copy(update=values)
        await self.events.emit([block_type_event("updated", updated, timeutil.now())])

    async def delete(self, block_type_id: UUID) -> None:
        async with self.storage.write() as uow:
            current = await uow.block_types.get(block_type_id)
            if current is None:
                raise NotFound(TYPE_NOT_FOUND)
            if current.is_protected:
                raise Forbidden(PROTECTED_TYPE)
            await uow.block_types.delete(block_type_id)
        await self.events.emit([block_type_event("deleted", current, timeutil.now())])


class BlockSchemaService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def create(self, body: BlockSchemaCreate) -> tuple[BlockSchema, bool]:
        """The schema with these fields and version, stored now unless it was already;
        True when it was created. Nested block schemas it refers to are registered too."""
        async with self.storage.write() as uow:
            if await uow.block_types.get(body.block_type_id) is None:
                raise NotFound(f"Block type {body.block_type_id} not found.")
            existing = await uow.block_schemas.get_by_checksum(schema_checksum(body.fields), body.version)
            if existing is not None:
                return existing, False
            schema_id = await register_schema(uow, body.fields, body.block_type_id, body.capabilities, body.version)
            created = await uow.block_schemas.get(schema_id)
        assert created is not None
        return created, True

    async def read(self, block_schema_id: UUID) -> BlockSchema:
        async with self.storage.read() as uow:
            found = await uow.block_schemas.get(block_schema_id)
        if found is None:
            raise NotFound(SCHEMA_NOT_FOUND)
        return found

    async def read_by_checksum(self, checksum: str, version: str | None) -> BlockSchema:
        async with self.storage.read() as uow:
            found = await uow.block_schemas.get_by_checksum(checksum, version)
        if found is None:
            raise NotFound(SCHEMA_NOT_FOUND)
        return found

    async def filter(self, body: BlockSchemaFilterBody) -> list[BlockSchema]:
        async with self.storage.read() as uow:
            return await uow.block_schemas.filter(body.block_schemas, offset=body.offset, limit=body.limit)

    async def delete(self, block_schema_id: UUID) -> None:
        async with self.storage.write() as uow:
            found = await uow.block_schemas.get(block_schema_id)
            if found is None:
                raise NotFound(SCHEMA_NOT_FOUND)
            if found.block_type is not None and found.block_type.is_protected:
                raise Forbidden(PROTECTED_SCHEMA)
            await uow.block_schemas.delete(block_schema_id)

    async def capabilities(self) -> list[str]:
        async with self.storage.read() as uow:
            return await uow.block_schemas.capabilities()


async def register_schema(
    uow: UnitOfWork,
    fields: dict[str, Any],
    block_type_id: UUID,
    capabilities: list[str],
    version: str,
    definitions: dict[str, Any] | None = None,
) -> UUID:
    """Store a schema (unless its checksum and version are stored) with the nested block
    schemas its `block_schema_references` name, each found by checksum or else built
    from the definitions; the id of the schema."""
    definitions = definitions if definitions is not None else fields.get("definitions")
    checksum = schema_checksum({**fields, "definitions": definitions} if definitions else fields)
    existing = await uow.block_schemas.get_by_checksum(checksum, version)
    if existing is not None:
        return existing.id
    now = timeutil.now()
    schema = BlockSchema(
        checksum=checksum,
        fields=fields,
        block_type_id=block_type_id,
        capabilities=capabilities,
        version=version,
        created=now,
        updated=now,
    )
    if not await uow.block_schemas.insert(schema):
        # Stored meanwhile by a racing writer: use that one.
        raced = await uow.block_schemas.get_by_checksum(checksum, version)
        assert raced is not None
        return raced.id
    for name, slug, child_checksum in schema_references(fields):
        child_type = await uow.block_types.get_by_slug(slug)
        if child_type is None:
            raise Conflict(
                f"Cannot create block schema because block type {slug!r} was not found."
                "Did you forget to register the block type?"
            )
        child = await uow.block_schemas.get_by_checksum(child_checksum)
        if child is not None:
            child_id = child.id
        else:
            child_fields = nested_schema_fields(fields, name, slug, definitions or {})
            if child_fields is None:
                raise Conflict(
                    f"Unable to create nested block schema for block type {child_type.name!r} due to missing definition."
                )
            child_id = await register_schema(
                uow, child_fields, child_type.id, [], DEFAULT_BLOCK_SCHEMA_VERSION, definitions or {}
            )
        await uow.block_schemas.add_reference(schema.id, child_id, name)
    return schema.id
