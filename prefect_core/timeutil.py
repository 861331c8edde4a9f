"""Timestamps: always timezone-aware UTC, microsecond precision."""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC


def now() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(UTC)


def to_utc(value: dt.datetime) -> dt.datetime:
    """Normalise any datetime to aware UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse(value: str | dt.datetime) -> dt.datetime:
    """Parse an ISO-8601 timestamp in any offset (or 'Z', or with a space) into UTC."""
    if isinstance(value, dt.datetime):
        return to_utc(value)
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return to_utc(dt.datetime.fromisoformat(text))


def isoformat(value: dt.datetime) -> str:
    """Serialise as the reference does: `2024-01-22T15:30:45.123456Z`."""
    # Not strftime: it does not zero-pad years before 1000, which would break text order.
    return to_utc(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
