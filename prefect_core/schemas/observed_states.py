"""Observed states (`GET /observed-states`): the exact state type/name pairs runs went through."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field

from prefect_core.schemas.base import DateTime, PrefectModel
from prefect_core.schemas.states import StateType

#: The longest search text and the largest page, as the reference bounds them.
MAX_QUERY_LENGTH = 100
MAX_OBSERVED_STATES = 200


class ObservedStateSort(str, Enum):
    NAME_ASC = "NAME_ASC"
    LAST_SEEN_DESC = "LAST_SEEN_DESC"


class ObservedStateQuery(BaseModel):
    """The query parameters: a case-insensitive prefix of the name or the type, order, page size."""

    query: str | None = Field(default=None, max_length=MAX_QUERY_LENGTH)
    order_by: ObservedStateSort = ObservedStateSort.LAST_SEEN_DESC
    limit: int = Field(default=MAX_OBSERVED_STATES, ge=1, le=MAX_OBSERVED_STATES)


class ObservedState(PrefectModel):
    """A state type/name pair and the first and last retained transition into it."""

    state_type: StateType
    state_name: str
    first_seen: DateTime
    last_seen: DateTime
