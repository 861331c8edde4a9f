"""Tables of block types, block schemas, block documents and the references between
schemas and between documents (import them from `prefect_storage_sql.tables`)."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Timestamp, Uuid

block_type = sa.Table(
    "block_type",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("slug", sa.String(255), nullable=False),
    sa.Column("logo_url", sa.Text),
    sa.Column("documentation_url", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("code_example", sa.Text),
    sa.Column("is_protected", sa.Boolean, nullable=False, default=False),
    sa.Index(None, "name", unique=True),
    sa.Index(None, "slug", unique=True),
)

block_schema = sa.Table(
    "block_schema",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("checksum", sa.String(255), nullable=False),
    sa.Column("fields", Json(), nullable=False),
    sa.Column("capabilities", Json(), nullable=False),
    sa.Column("version", sa.String(255), nullable=False),
    sa.Column("block_type_id", Uuid(), sa.ForeignKey("block_type.id", ondelete="CASCADE"), nullable=False),
    sa.Index(None, "checksum", "version", unique=True),
    sa.Index(None, "block_type_id", "created"),
    sa.Index(None, "created"),
)

# A schema nesting another under one of its fields (unions nest several under one name).
block_schema_reference = sa.Table(
    "block_schema_reference",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("parent_id", Uuid(), sa.ForeignKey("block_schema.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reference_id", Uuid(), sa.ForeignKey("block_schema.id", ondelete="CASCADE"), nullable=False),
    sa.Index(None, "parent_id", "reference_id", "name", unique=True),
    sa.Index(None, "reference_id"),
)

block_document = sa.Table(
    "block_document",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    # The document's own data: nested documents are references (below), not copies.
    sa.Column("data", Json(), nullable=False),
    sa.Column("is_anonymous", sa.Boolean, nullable=False, default=False),
    sa.Column("block_type_name", sa.String(255)),
    sa.Column("block_schema_id", Uuid(), sa.ForeignKey("block_schema.id", ondelete="CASCADE"), nullable=False),
    sa.Column("block_type_id", Uuid(), sa.ForeignKey("block_type.id", ondelete="CASCADE"), nullable=False),
    sa.Index(None, "block_type_id", "name", unique=True),
    sa.Index(None, "is_anonymous", "name"),
    sa.Index(None, "block_type_name", "name"),
    sa.Index(None, "block_schema_id"),
)

# A document nesting a saved document under one of its fields.
block_document_reference = sa.Table(
    "block_document_reference",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("parent_id", Uuid(), sa.ForeignKey("block_document.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reference_id", Uuid(), sa.ForeignKey("block_document.id", ondelete="CASCADE"), nullable=False),
    sa.Index(None, "parent_id", "name", unique=True),
    sa.Index(None, "reference_id"),
)

# The server's default result storage: at most one row (id 1) naming a block document;
# deleting the document (or its schema, or its type) clears it.
default_result_storage = sa.Table(
    "default_result_storage",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("updated", Timestamp(), nullable=False),
    sa.Column("block_document_id", Uuid(), sa.ForeignKey("block_document.id", ondelete="CASCADE"), nullable=False),
    sa.Index(None, "block_document_id"),
)
