"""Request bodies made of several named values, as the reference reads them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


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
