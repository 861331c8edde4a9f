"""Bodies of `/variables/filter` and `/variables/count`."""

from __future__ import annotations

from pydantic import Field

from prefect_core.schemas.bodies.base import DEFAULT_LIMIT, MAX_OFFSET, EmbeddedBody
from prefect_core.schemas.filters.variables import VariableFilter
from prefect_core.schemas.variables import VariableSort


class VariableCount(EmbeddedBody):
    variables: VariableFilter | None = None


class VariableQuery(VariableCount):
    sort: VariableSort = VariableSort.NAME_ASC
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)
