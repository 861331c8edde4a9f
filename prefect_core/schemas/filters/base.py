"""What every filter body shares: the operator and the base model."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict


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


def _drop_blank_ids(value: Any) -> Any:
    if isinstance(value, list):
        return [item for item in value if item != ""]
    return value


#: Run ids in an `id.any_` filter, where an empty string stands for "no run" and matches nothing.
#: The V2 UI asks `{"id": {"any_": [""]}}` for the task run (or flow run) of an artifact that
#: has none; the reference answers 422 (not a UUID). Any other malformed id is still a 422.
BlankableIds = Annotated[list[UUID], BeforeValidator(_drop_blank_ids)]
