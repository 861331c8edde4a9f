"""Global concurrency limits (v2) and the leases on their slots.

Revision 0002 (after '0001'), rendered by scripts/new_migration from
prefect_storage_sql.tables.concurrency_limits and reviewed by hand. A database the
SQL file 0005_concurrency_limits made is stamped here unchanged
(prefect_storage_sql/migrations/legacy.py).
"""
# Rendered code keeps Alembic's one-call-per-line layout, long lines included.

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from prefect_storage_sql import types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concurrency_lease",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("expiration", types.Timestamp(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("holder_type", sa.String(length=16), nullable=True),
        sa.Column("holder_id", types.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concurrency_lease")),
    )
    with op.batch_alter_table("concurrency_lease", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concurrency_lease__expiration"), ["expiration"], unique=False)
        batch_op.create_index(batch_op.f("ix_concurrency_lease__holder_id"), ["holder_id"], unique=False)

    op.create_table(
        "concurrency_limit_v2",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("active_slots", sa.Integer(), nullable=False),
        sa.Column("denied_slots", sa.Integer(), nullable=False),
        sa.Column("slot_decay_per_second", sa.Float(), nullable=False),
        sa.Column("avg_slot_occupancy_seconds", sa.Float(), nullable=False),
        sa.Column("slots_as_of", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concurrency_limit_v2")),
        sa.UniqueConstraint("name", name=op.f("uq_concurrency_limit_v2__name")),
    )
    op.create_table(
        "concurrency_lease_limit",
        sa.Column("lease_id", types.Uuid(), nullable=False),
        sa.Column("limit_id", types.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lease_id"],
            ["concurrency_lease.id"],
            name=op.f("fk_concurrency_lease_limit__lease_id__concurrency_lease"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["limit_id"],
            ["concurrency_limit_v2.id"],
            name=op.f("fk_concurrency_lease_limit__limit_id__concurrency_limit_v2"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lease_id", "limit_id", name=op.f("pk_concurrency_lease_limit")),
    )
    with op.batch_alter_table("concurrency_lease_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concurrency_lease_limit__limit_id"), ["limit_id"], unique=False)


# Forward only: there is no downgrade (restore a backup to go back).
