"""Events and the resources they name."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_storage_sql.tables.base import metadata
from prefect_storage_sql.types import Json, Timestamp, Uuid

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column("occurred", Timestamp(), nullable=False),
    sa.Column("received", Timestamp(), nullable=False),
    sa.Column("event", sa.String(1024), nullable=False),
    sa.Column("resource_id", sa.String(1024), nullable=False),
    sa.Column("resource", Json(), nullable=False),
    sa.Column("related", Json(), nullable=False),
    # space-separated ids of the related resources, for cheap containment filters
    sa.Column("related_resource_ids", sa.Text, nullable=False),
    sa.Column("payload", Json(), nullable=False),
    sa.Column("follows", Uuid()),
    # (occurred, id) is the feed's order: a window's page is read off the index, unsorted;
    # with the name, a window's counts by name read only the index.
    sa.Index(None, "occurred", "id", "event"),
    sa.Index(None, "event", "occurred"),
    sa.Index(None, "resource_id", "occurred"),
)


# One row per resource an event involves (its primary resource with role "",
# then each related resource), so related/any-resource filters are plain
# indexed lookups on every database instead of JSON queries.
event_resources = sa.Table(
    "event_resources",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column("event_id", Uuid(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("occurred", Timestamp(), nullable=False),
    sa.Column("resource_id", sa.String(1024), nullable=False),
    sa.Column("resource_role", sa.String(255), nullable=False),
    sa.Index(None, "resource_id", "occurred"),
    sa.Index(None, "event_id"),
)
