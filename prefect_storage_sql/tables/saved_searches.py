"""Saved searches: named filter sets the UI stores."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Uuid

saved_search = sa.Table(
    "saved_search",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("filters", Json(), nullable=False),
    # Upserts by name; listings are in name order.
    sa.Index(None, "name", unique=True),
)
