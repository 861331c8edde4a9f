"""Inputs sent to flow runs."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Uuid

# Inputs sent to a flow run (a paused run's schema and response, messages between runs).
flow_run_input = sa.Table(
    "flow_run_input",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("flow_run_id", Uuid(), sa.ForeignKey("flow_run.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("sender", sa.Text),
    sa.Index(None, "flow_run_id", "key", unique=True),
)
