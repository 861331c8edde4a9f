"""Flows."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Uuid

flow = sa.Table(
    "flow",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("tags", Json(), nullable=False),
    sa.Column("labels", Json()),
)
