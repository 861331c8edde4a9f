"""Deployments name the global concurrency limit that governs them (`concurrency_limit_id`).

Until now a deployment's limit was found by name (`deployment:<id>`, made for its
`concurrency_limit`); now it is the limit the new column names, which may also be one
chosen with `global_concurrency_limit_id`. The data step links each limited deployment to
its own limit, making that limit (with no slots taken) where it was never made.

Revision 0007 (after '0006'), written by hand and checked against scripts/new_migration's
rendering (docs/storage-plugins.md, "Adding a table or column").
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

from prefect_storage_sql import types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The tables as this revision knows them (never the current declarations, which move on).
_deployment = sa.table(
    "deployment",
    sa.column("id", types.Uuid()),
    sa.column("concurrency_limit", sa.Integer()),
    sa.column("concurrency_limit_id", types.Uuid()),
)
_limit = sa.table(
    "concurrency_limit_v2",
    sa.column("id", types.Uuid()),
    sa.column("created", types.Timestamp()),
    sa.column("updated", types.Timestamp()),
    sa.column("active", sa.Boolean()),
    sa.column("name", sa.String(255)),
    sa.column("limit", sa.Integer()),
    sa.column("active_slots", sa.Integer()),
    sa.column("denied_slots", sa.Integer()),
    sa.column("slot_decay_per_second", sa.Float()),
    sa.column("avg_slot_occupancy_seconds", sa.Float()),
    sa.column("slots_as_of", sa.Float()),
)


def upgrade() -> None:
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("concurrency_limit_id", types.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deployment__concurrency_limit_id"), ["concurrency_limit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deployment__concurrency_limit_id__concurrency_limit_v2"),
            "concurrency_limit_v2",
            ["concurrency_limit_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _link_own_limits(op.get_bind())


def _link_own_limits(connection: sa.Connection) -> None:
    limited = connection.execute(
        sa.select(_deployment.c.id, _deployment.c.concurrency_limit).where(_deployment.c.concurrency_limit.is_not(None))
    ).all()
    now = dt.datetime.now(dt.UTC)
    for deployment_id, limit in limited:
        name = f"deployment:{deployment_id}"
        limit_id = connection.execute(sa.select(_limit.c.id).where(_limit.c.name == name)).scalar()
        if limit_id is None:
            limit_id = uuid.uuid4()
            connection.execute(
                sa.insert(_limit).values(
                    id=limit_id,
                    created=now,
                    updated=now,
                    active=True,
                    name=name,
                    limit=limit,
                    active_slots=0,
                    denied_slots=0,
                    slot_decay_per_second=0.0,
                    avg_slot_occupancy_seconds=2.0,
                    slots_as_of=now.timestamp(),
                )
            )
        connection.execute(
            sa.update(_deployment).where(_deployment.c.id == deployment_id).values(concurrency_limit_id=limit_id)
        )
