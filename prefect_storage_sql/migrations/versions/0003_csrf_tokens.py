"""CSRF tokens: one per client, for PREFECT_SERVER_CSRF_PROTECTION_ENABLED.

Revision 0003 (after '0002'), rendered by scripts/new_migration from
prefect_storage_sql.tables.csrf_tokens and reviewed by hand.
"""
# Rendered code keeps Alembic's one-call-per-line layout, long lines included.

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from prefect_storage_sql import types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "csrf_token",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("expiration", types.Timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csrf_token")),
    )
    with op.batch_alter_table("csrf_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_csrf_token__client"), ["client"], unique=True)
        batch_op.create_index(batch_op.f("ix_csrf_token__expiration"), ["expiration"], unique=False)


# Forward only: there is no downgrade (restore a backup to go back).
