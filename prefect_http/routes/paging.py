"""Offset/limit bodies as the reference's `LimitBody()` reads them: null means default."""

from __future__ import annotations

from pydantic import Field

from prefect_core.schemas.bodies import EmbeddedBody
from prefect_core.services.queries import DEFAULT_LIMIT


class PagedBody(EmbeddedBody):
    """`offset` and `limit` (at most 200; null or absent: 200), other keys ignored."""

    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)
