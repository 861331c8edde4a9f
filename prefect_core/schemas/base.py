"""Base classes shared by every schema."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from prefect_core import timeutil
from prefect_core.ids import uuid7

#: An aware UTC datetime; inputs in any offset are normalised. Pydantic's own JSON
#: form of a UTC datetime (`2024-01-22T15:30:45.123456Z`) is the reference's too.
DateTime = Annotated[dt.datetime, AfterValidator(timeutil.to_utc)]

#: Labels as the reference types them: a flat mapping of simple JSON values.
KeyValueLabels = dict[str, bool | int | float | str]


class PrefectModel(BaseModel):
    """Objects the server returns: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class ActionModel(BaseModel):
    """Request bodies for create/update: unknown fields are an error, as in the reference."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class ORMModel(PrefectModel):
    """A stored object: an id and created/updated stamps."""

    id: UUID = Field(default_factory=uuid7)
    created: DateTime | None = None
    updated: DateTime | None = None


def dump(model: BaseModel, **kwargs: Any) -> dict[str, Any]:
    """JSON-ready dict of a model (UUIDs and datetimes as strings)."""
    return model.model_dump(mode="json", **kwargs)
