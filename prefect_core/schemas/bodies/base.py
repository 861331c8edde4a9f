"""Request bodies made of several named values, as the reference reads them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The reference's default and maximum page size (PREFECT_API_DEFAULT_LIMIT).
DEFAULT_LIMIT = 200
#: The largest offset accepted: larger ones overflow the databases' 64-bit
#: OFFSET (a 500) long before they could page through real data.
MAX_OFFSET = 2**31 - 1
#: The largest page number whose offset, at the largest limit, stays within MAX_OFFSET.
MAX_PAGE = MAX_OFFSET // DEFAULT_LIMIT + 1


class EmbeddedBody(BaseModel):
    """Body keys as FastAPI reads embedded body parameters: unknown keys are ignored
    and a key sent as null counts as absent (its default, or "Field required")."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class PagedBody(EmbeddedBody):
    """`offset` and `limit` as the reference's `LimitBody()` reads them (at most 200;
    null or absent: 200), other keys ignored."""

    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)
