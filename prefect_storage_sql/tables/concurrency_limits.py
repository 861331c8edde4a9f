"""Tables of global concurrency limits and the leases on their slots (import them from
`prefect_storage_sql.tables`, which registers them)."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Timestamp, Uuid

concurrency_limit_v2 = sa.Table(
    "concurrency_limit_v2",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("limit", sa.Integer, nullable=False),
    sa.Column("active_slots", sa.Integer, nullable=False, default=0),
    sa.Column("denied_slots", sa.Integer, nullable=False, default=0),
    sa.Column("slot_decay_per_second", sa.Float, nullable=False, default=0.0),
    sa.Column("avg_slot_occupancy_seconds", sa.Float, nullable=False, default=2.0),
    # Epoch seconds up to which slot decay is accounted for in active_slots and
    # denied_slots. Plain numbers, so that every database does the decay arithmetic
    # the same way; it advances by whole decayed slots only, so no partial decay is lost.
    sa.Column("slots_as_of", sa.Float, nullable=False),
)

concurrency_lease = sa.Table(
    "concurrency_lease",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column("created", Timestamp(), nullable=False),
    sa.Column("expiration", Timestamp(), nullable=False),
    sa.Column("slots", sa.Integer, nullable=False),
    sa.Column("holder_type", sa.String(16)),
    sa.Column("holder_id", Uuid()),
    sa.Index(None, "expiration"),
    sa.Index(None, "holder_id"),
)

# The limits a lease holds slots of (a deleted limit leaves its leases).
concurrency_lease_limit = sa.Table(
    "concurrency_lease_limit",
    metadata,
    sa.Column("lease_id", Uuid(), sa.ForeignKey("concurrency_lease.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("limit_id", Uuid(), sa.ForeignKey("concurrency_limit_v2.id", ondelete="CASCADE"), primary_key=True),
    sa.Index(None, "limit_id"),
)
