"""Blocks: block types, block schemas (and the schemas they nest), block documents (their
data sealed; the documents they nest by reference), the key block data is sealed with when
none is configured, and the server's default result storage block.

Revision 0005 (after '0004'), rendered 2026-12-01 by scripts/new_migration from
prefect_storage_sql.tables.blocks; reviewed by hand (docs/storage-plugins.md, "Adding a table or column").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from prefect_storage_sql import types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "block_encryption_key",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_encryption_key")),
    )
    op.create_table(
        "block_type",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("documentation_url", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("code_example", sa.Text(), nullable=True),
        sa.Column("is_protected", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_type")),
    )
    with op.batch_alter_table("block_type", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_block_type__name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_block_type__slug"), ["slug"], unique=True)

    op.create_table(
        "block_schema",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("checksum", sa.String(length=255), nullable=False),
        sa.Column("fields", types.Json(), nullable=False),
        sa.Column("capabilities", types.Json(), nullable=False),
        sa.Column("version", sa.String(length=255), nullable=False),
        sa.Column("block_type_id", types.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_type_id"],
            ["block_type.id"],
            name=op.f("fk_block_schema__block_type_id__block_type"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_schema")),
    )
    with op.batch_alter_table("block_schema", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_block_schema__block_type_id_created"), ["block_type_id", "created"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_block_schema__checksum_version"), ["checksum", "version"], unique=True)
        batch_op.create_index(batch_op.f("ix_block_schema__created"), ["created"], unique=False)

    op.create_table(
        "block_document",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("block_type_name", sa.String(length=255), nullable=True),
        sa.Column("block_schema_id", types.Uuid(), nullable=False),
        sa.Column("block_type_id", types.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_schema_id"],
            ["block_schema.id"],
            name=op.f("fk_block_document__block_schema_id__block_schema"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["block_type_id"],
            ["block_type.id"],
            name=op.f("fk_block_document__block_type_id__block_type"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_document")),
    )
    with op.batch_alter_table("block_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_block_document__block_schema_id"), ["block_schema_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_block_document__block_type_id_name"), ["block_type_id", "name"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_block_document__block_type_name_name"), ["block_type_name", "name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_block_document__is_anonymous_name"), ["is_anonymous", "name"], unique=False
        )

    op.create_table(
        "block_schema_reference",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("parent_id", types.Uuid(), nullable=False),
        sa.Column("reference_id", types.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["block_schema.id"],
            name=op.f("fk_block_schema_reference__parent_id__block_schema"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["block_schema.id"],
            name=op.f("fk_block_schema_reference__reference_id__block_schema"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_schema_reference")),
    )
    with op.batch_alter_table("block_schema_reference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_block_schema_reference__parent_id_reference_id_name"),
            ["parent_id", "reference_id", "name"],
            unique=True,
        )
        batch_op.create_index(batch_op.f("ix_block_schema_reference__reference_id"), ["reference_id"], unique=False)

    op.create_table(
        "block_document_reference",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("parent_id", types.Uuid(), nullable=False),
        sa.Column("reference_id", types.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["block_document.id"],
            name=op.f("fk_block_document_reference__parent_id__block_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["block_document.id"],
            name=op.f("fk_block_document_reference__reference_id__block_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_document_reference")),
    )
    with op.batch_alter_table("block_document_reference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_block_document_reference__parent_id_name"), ["parent_id", "name"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_block_document_reference__reference_id"), ["reference_id"], unique=False)

    op.create_table(
        "default_result_storage",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("block_document_id", types.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_document_id"],
            ["block_document.id"],
            name=op.f("fk_default_result_storage__block_document_id__block_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_default_result_storage")),
    )
    with op.batch_alter_table("default_result_storage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_default_result_storage__block_document_id"), ["block_document_id"], unique=False
        )


# Forward only: there is no downgrade (restore a backup to go back).
