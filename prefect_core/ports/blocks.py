"""What the core needs from storage for block types, block schemas and block documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.blocks import BlockDocument, BlockSchema, BlockType
from prefect_core.schemas.bodies.blocks import BlockDocumentSort
from prefect_core.schemas.filters.blocks import BlockDocumentFilter, BlockSchemaFilter, BlockTypeFilter


class BlockTypeRepository(Protocol):
    """Block types, unique by slug, listed by name."""

    async def insert(self, block_type: BlockType) -> None:
        """Store a new type (a taken slug raises `Conflict`)."""
        ...

    async def insert_missing(self, block_types: Sequence[BlockType]) -> None:
        """Store those of these types whose slug is not taken; leave the others as they
        are (racing callers never fail)."""
        ...

    async def get(self, block_type_id: UUID) -> BlockType | None: ...
    async def get_by_slug(self, slug: str) -> BlockType | None: ...
    async def get_by_slugs(self, slugs: Sequence[str]) -> list[BlockType]: ...
    async def get_many(self, block_type_ids: Sequence[UUID]) -> list[BlockType]: ...

    async def filter(
        self,
        block_types: BlockTypeFilter | None,
        block_schemas: BlockSchemaFilter | None,
        *,
        offset: int,
        limit: int | None,
    ) -> list[BlockType]:
        """Types by name (only those having a schema that matches `block_schemas`, when given)."""
        ...

    async def update(self, block_type_id: UUID, values: dict[str, Any]) -> bool: ...
    async def delete(self, block_type_id: UUID) -> bool:
        """Delete the type with its schemas and documents."""
        ...


class BlockSchemaRepository(Protocol):
    """Block schemas, unique by (checksum, version); each read carries its block type."""

    async def insert(self, block_schema: BlockSchema) -> bool:
        """Store the schema unless one with its checksum and version exists; True when stored."""
        ...

    async def insert_missing(self, block_schemas: Sequence[BlockSchema]) -> None:
        """Store those of these schemas whose (checksum, version) is not stored yet."""
        ...

    async def get(self, block_schema_id: UUID) -> BlockSchema | None: ...
    async def get_many(self, block_schema_ids: Sequence[UUID]) -> list[BlockSchema]: ...
    async def get_by_checksum(self, checksum: str, version: str | None = None) -> BlockSchema | None:
        """The most recently created schema with this checksum (and version, when given)."""
        ...

    async def filter(
        self, block_schemas: BlockSchemaFilter | None, *, offset: int, limit: int | None
    ) -> list[BlockSchema]:
        """Schemas, most recently created first."""
        ...

    async def delete(self, block_schema_id: UUID) -> bool: ...
    async def capabilities(self) -> list[str]:
        """Every capability some stored schema has, each once."""
        ...

    async def add_reference(self, parent_id: UUID, reference_id: UUID, name: str) -> None:
        """Record that schema `parent_id` nests schema `reference_id` under `name` (once)."""
        ...


class BlockDocumentRepository(Protocol):
    """Block documents, unique by (block type, name), and the references between them."""

    async def insert(self, document: BlockDocument, sealed_data: str) -> None:
        """Store a document with its own data sealed (a taken name for its type raises
        `Conflict`); `document.data` is not stored."""
        ...

    async def exists(self, block_type_id: UUID, name: str) -> bool: ...

    async def get_rows(self, document_ids: Sequence[UUID]) -> list[tuple[BlockDocument, str]]:
        """The documents as stored (no data, schema, type or references), each with its
        own data sealed."""
        ...

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
        """The ids of the matching documents, in `sort` order."""
        ...

    async def count(
        self,
        block_documents: BlockDocumentFilter | None,
        block_types: BlockTypeFilter | None,
        block_schemas: BlockSchemaFilter | None,
    ) -> int: ...

    async def update(self, document_id: UUID, values: dict[str, Any]) -> bool:
        """Set `values` (`data`: sealed)."""
        ...

    async def delete(self, document_id: UUID) -> bool: ...

    async def encryption_key(self) -> str | None:
        """The key generated for sealing block data, if one was stored."""
        ...

    async def store_encryption_key(self, key: str) -> None:
        """Store `key` unless one is stored already (racing servers keep the first)."""
        ...

    async def references_from(self, parent_ids: Sequence[UUID]) -> list[tuple[UUID, str, UUID]]:
        """(parent id, name, referenced id) of the references these documents make."""
        ...

    async def set_references(self, parent_id: UUID, references: Sequence[tuple[str, UUID]]) -> None:
        """Make the document's references exactly these (name, referenced id) pairs."""
        ...

    async def default_storage(self) -> UUID | None:
        """The document the server names as default result storage (cleared with it)."""
        ...

    async def set_default_storage(self, document_id: UUID | None) -> None:
        """Name this document as the default result storage (None: name none)."""
        ...
