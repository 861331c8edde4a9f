"""CSRF tokens."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Timestamp, Uuid

# One row per client; `token` holds the SHA-256 of the token, never the token.
csrf_token = sa.Table(
    "csrf_token",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("client", sa.String(255), nullable=False),
    sa.Column("token", sa.String(64), nullable=False),
    sa.Column("expiration", Timestamp(), nullable=False),
    sa.Index(None, "client", unique=True),
    sa.Index(None, "expiration"),
)
