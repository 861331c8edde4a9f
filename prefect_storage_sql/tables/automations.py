"""Automations, the resources they relate to, and their triggers' counting state."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata, stamps
from prefect_storage_sql.types import Json, Timestamp, Uuid

automation = sa.Table(
    "automation",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("tags", Json(), nullable=False),
    sa.Column("trigger", Json(), nullable=False),
    sa.Column("actions", Json(), nullable=False),
    sa.Column("actions_on_trigger", Json(), nullable=False),
    sa.Column("actions_on_resolve", Json(), nullable=False),
    sa.Index(None, "name"),
    sa.Index(None, "created"),
)

# Which resources an automation concerns; `owned_by_resource` marks its owner (a
# deployment for the triggers given to serve()/deploy()).
automation_related_resource = sa.Table(
    "automation_related_resource",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("automation_id", Uuid(), sa.ForeignKey("automation.id", ondelete="CASCADE"), nullable=False),
    sa.Column("resource_id", sa.String(1024), nullable=False),
    sa.Column("owned_by_resource", sa.Boolean, nullable=False),
    sa.Index(None, "automation_id", "resource_id", unique=True),
    sa.Index(None, "resource_id"),
)

# One open counting window per (automation, event trigger, group of for_each label values).
# The key is the JSON text of the label values, so it compares and indexes the same everywhere.
automation_bucket = sa.Table(
    "automation_bucket",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("automation_id", Uuid(), sa.ForeignKey("automation.id", ondelete="CASCADE"), nullable=False),
    sa.Column("trigger_id", Uuid(), nullable=False),
    sa.Column("bucketing_key", sa.Text, nullable=False),
    sa.Column("start", Timestamp(), nullable=False),
    sa.Column("end", Timestamp(), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("last_event", Json()),
    sa.Index(None, "automation_id", "trigger_id", "bucketing_key", unique=True),
    sa.Index(None, "end"),
)

# The latest firing of each child of a compound or sequence trigger, until the parent fires.
composite_trigger_child_firing = sa.Table(
    "composite_trigger_child_firing",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    *stamps(),
    sa.Column("automation_id", Uuid(), sa.ForeignKey("automation.id", ondelete="CASCADE"), nullable=False),
    sa.Column("parent_trigger_id", Uuid(), nullable=False),
    sa.Column("child_trigger_id", Uuid(), nullable=False),
    sa.Column("child_fired_at", Timestamp(), nullable=False),
    sa.Column("child_firing", Json(), nullable=False),
    sa.Index(
        "ix_composite_trigger_child_firing__children",
        "automation_id",
        "parent_trigger_id",
        "child_trigger_id",
        unique=True,
    ),
)
