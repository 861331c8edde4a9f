"""Variables: named JSON values with tags."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Uuid

variable = sa.Table(
    "variable",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("value", Json()),
    sa.Column("tags", Json(), nullable=False),
    # Lookups by name and the NAME_* sorts; the stamps serve the CREATED/UPDATED sorts.
    sa.Index(None, "name", unique=True),
    sa.Index(None, "created", "id"),
    sa.Index(None, "updated", "id"),
)
