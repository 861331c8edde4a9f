"""The metadata every table is declared on, and column groups tables share."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.types import Json, Timestamp, Uuid

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s__%(column_0_N_name)s",
        "uq": "uq_%(table_name)s__%(column_0_N_name)s",
        "fk": "fk_%(table_name)s__%(column_0_name)s__%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def stamps() -> list[sa.Column]:
    return [
        sa.Column("created", Timestamp(), nullable=False),
        sa.Column("updated", Timestamp(), nullable=False),
    ]


def run_timing() -> list[sa.Column]:
    return [
        sa.Column("state_id", Uuid()),
        sa.Column("state_type", sa.String(16)),
        sa.Column("state_name", sa.String(64)),
        sa.Column("state_timestamp", Timestamp()),
        sa.Column("run_count", sa.Integer, nullable=False, default=0),
        sa.Column("expected_start_time", Timestamp()),
        sa.Column("next_scheduled_start_time", Timestamp()),
        sa.Column("start_time", Timestamp()),
        sa.Column("end_time", Timestamp()),
        sa.Column("total_run_time", sa.Float, nullable=False, default=0.0),
    ]


def state_table(name: str, run_table: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", Uuid(), primary_key=True),
        *stamps(),
        sa.Column("run_id", Uuid(), sa.ForeignKey(f"{run_table}.id", ondelete="CASCADE"), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("timestamp", Timestamp(), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("state_details", Json(), nullable=False),
        sa.Column("data", Json()),
        sa.Index(None, "run_id", "timestamp"),
    )
