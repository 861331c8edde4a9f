"""Logs."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Timestamp, Uuid

log = sa.Table(
    "log",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("level", sa.SmallInteger, nullable=False),
    sa.Column("flow_run_id", Uuid()),
    sa.Column("task_run_id", Uuid()),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("timestamp", Timestamp(), nullable=False),
    sa.Index(None, "flow_run_id", "timestamp"),
    sa.Index(None, "task_run_id", "timestamp"),
    sa.Index(None, "timestamp"),
)
