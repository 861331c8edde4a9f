"""Blocks: block types (what kind of configuration), block schemas (the JSON schema of a
type's fields, one per checksum and version) and block documents (stored configuration,
possibly nesting other documents by reference)."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from prefect_core.schemas.base import ActionModel, ORMModel

#: The version of a block schema that names none.
DEFAULT_BLOCK_SCHEMA_VERSION = "non-versioned"

_NAME_PATTERN = r"^[^/%&><]+$"
_SLUG = re.compile(r"^[a-z0-9-]*$")


def _dashes_only(value: str, *, what: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{what} must only contain lowercase letters, numbers, and dashes.")
    return value


Name = Annotated[str, Field(pattern=_NAME_PATTERN)]
BlockTypeSlug = Annotated[str, AfterValidator(partial(_dashes_only, what="Block type slug"))]
BlockDocumentName = Annotated[
    str, Field(pattern=_NAME_PATTERN), AfterValidator(partial(_dashes_only, what="Block document name"))
]


class BlockType(ORMModel):
    name: str
    slug: str
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None
    #: Types the server registers itself: they cannot be deleted through the API.
    is_protected: bool = False


class BlockTypeCreate(ActionModel):
    name: Name
    slug: BlockTypeSlug
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None


class BlockTypeUpdate(ActionModel):
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None


class BlockSchema(ORMModel):
    checksum: str
    fields: dict[str, Any] = Field(default_factory=dict)
    block_type_id: UUID | None
    block_type: BlockType | None = None
    capabilities: list[str] = Field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION


class BlockSchemaCreate(ActionModel):
    fields: dict[str, Any] = Field(default_factory=dict)
    block_type_id: UUID
    capabilities: list[str] = Field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION


class BlockDocument(ORMModel):
    name: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    block_schema_id: UUID
    block_schema: BlockSchema | None = None
    block_type_id: UUID
    block_type_name: str | None = None
    block_type: BlockType | None = None
    block_document_references: dict[str, dict[str, Any]] = Field(default_factory=dict)
    is_anonymous: bool = False


class BlockDocumentCreate(ActionModel):
    name: BlockDocumentName | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    block_schema_id: UUID
    block_type_id: UUID
    is_anonymous: bool = False

    @model_validator(mode="after")
    def _named_unless_anonymous(self) -> BlockDocumentCreate:
        # Anonymous documents get a generated name when stored; every other one needs one.
        # (Checked after the fields, so that a 422 names a malformed field first.)
        if not self.is_anonymous and not self.name:
            raise ValueError("Names must be provided for block documents.")
        return self


class BlockDocumentUpdate(ActionModel):
    block_schema_id: UUID | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    merge_existing_data: bool = True
