"""What every filter body shares: the operator and the base model."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict


class Operator(str, Enum):
    """How a composite filter combines its criteria."""

    and_ = "and_"
    or_ = "or_"


class FilterModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def criteria(self) -> dict[str, Any]:
        """The criteria that were actually given (not None), by field name."""
        return {
            name: value
            for name in type(self).model_fields
            if name != "operator" and (value := getattr(self, name)) is not None
        }
