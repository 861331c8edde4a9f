"""Block type, block schema and block document filters."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from prefect_core.schemas.filters.base import FilterModel, Operator


class BlockTypeFilterName(FilterModel):
    """Filter by `BlockType.name` (case-insensitive partial match)."""

    like_: str | None = None


class BlockTypeFilterSlug(FilterModel):
    any_: list[str] | None = None


class BlockTypeFilter(FilterModel):
    """Block types matching every criterion given (the reference has no operator here)."""

    name: BlockTypeFilterName | None = None
    slug: BlockTypeFilterSlug | None = None


class BlockSchemaFilterBlockTypeId(FilterModel):
    any_: list[UUID] | None = None


class BlockSchemaFilterId(FilterModel):
    any_: list[UUID] | None = None


class BlockSchemaFilterCapabilities(FilterModel):
    """Schemas having every one of these capabilities."""

    all_: list[str] | None = None


class BlockSchemaFilterVersion(FilterModel):
    any_: list[str] | None = None


class BlockSchemaFilter(FilterModel):
    operator: Operator = Operator.and_
    block_type_id: BlockSchemaFilterBlockTypeId | None = None
    block_capabilities: BlockSchemaFilterCapabilities | None = None
    id: BlockSchemaFilterId | None = None
    version: BlockSchemaFilterVersion | None = None


class BlockDocumentFilterIsAnonymous(FilterModel):
    eq_: bool | None = None


class BlockDocumentFilterBlockTypeId(FilterModel):
    any_: list[UUID] | None = None


class BlockDocumentFilterId(FilterModel):
    any_: list[UUID] | None = None


class BlockDocumentFilterName(FilterModel):
    any_: list[str] | None = None
    #: A case-insensitive partial match (SQL wildcards allowed).
    like_: str | None = None


class BlockDocumentFilter(FilterModel):
    """Block documents matching the criteria; anonymous ones are left out unless
    `is_anonymous` says otherwise (null: no filtering on it)."""

    operator: Operator = Operator.and_
    id: BlockDocumentFilterId | None = None
    is_anonymous: BlockDocumentFilterIsAnonymous | None = Field(
        default_factory=lambda: BlockDocumentFilterIsAnonymous(eq_=False)
    )
    block_type_id: BlockDocumentFilterBlockTypeId | None = None
    name: BlockDocumentFilterName | None = None
