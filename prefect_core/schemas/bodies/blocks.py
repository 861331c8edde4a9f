"""Request bodies of the block endpoints (embedded body parameters: unknown keys
ignored, null means absent)."""

from __future__ import annotations

from enum import Enum

from pydantic import Field

from prefect_core.schemas.bodies.base import EmbeddedBody, PagedBody
from prefect_core.schemas.filters.blocks import BlockDocumentFilter, BlockSchemaFilter, BlockTypeFilter


class BlockDocumentSort(str, Enum):
    NAME_DESC = "NAME_DESC"
    NAME_ASC = "NAME_ASC"
    BLOCK_TYPE_AND_NAME_ASC = "BLOCK_TYPE_AND_NAME_ASC"


class BlockTypeFilterBody(PagedBody):
    block_types: BlockTypeFilter | None = None
    block_schemas: BlockSchemaFilter | None = None


class BlockSchemaFilterBody(PagedBody):
    block_schemas: BlockSchemaFilter | None = None


class BlockDocumentCountBody(EmbeddedBody):
    #: Absent (or null): anonymous documents are left out.
    block_documents: BlockDocumentFilter | None = None
    block_types: BlockTypeFilter | None = None
    block_schemas: BlockSchemaFilter | None = None


class BlockDocumentFilterBody(BlockDocumentCountBody):
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=200, ge=0, le=200)
    include_secrets: bool = False
    sort: BlockDocumentSort = BlockDocumentSort.NAME_ASC


class IncludeSecrets(EmbeddedBody):
    """The `include_secrets` query parameter of document reads (documents the API only)."""

    include_secrets: bool = False


class SchemaVersion(EmbeddedBody):
    """The `version` query parameter of reads by checksum (none: the newest)."""

    version: str | None = None
