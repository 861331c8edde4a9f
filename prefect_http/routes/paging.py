"""Offset/limit bodies as the reference's `LimitBody()` reads them: null means default."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prefect_core.services.queries import DEFAULT_LIMIT


class PagedBody(BaseModel):
    """`offset` and `limit` (at most 200; null or absent: 200), other keys ignored."""

    model_config = ConfigDict(extra="ignore")

    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)

    @field_validator("offset", "limit", mode="before")
    @classmethod
    def _null_is_default(cls, v: Any, info: Any) -> Any:
        if v is None:
            return 0 if info.field_name == "offset" else DEFAULT_LIMIT
        return v
