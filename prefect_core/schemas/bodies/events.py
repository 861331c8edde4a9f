"""Bodies of the event query endpoints."""

from __future__ import annotations

from pydantic import Field

from prefect_core.events.counting import Countable, TimeUnit
from prefect_core.schemas.base import PrefectModel
from prefect_core.schemas.event_filters import EventFilter

#: The reference's page size for /events/filter (also its maximum).
EVENTS_PAGE_SIZE = 50


class EventFilterBody(PrefectModel):
    filter: EventFilter | None = None
    limit: int = Field(default=EVENTS_PAGE_SIZE, ge=0, le=EVENTS_PAGE_SIZE)


class EventCountBody(PrefectModel):
    filter: EventFilter
    time_unit: TimeUnit = TimeUnit.day
    time_interval: float = Field(default=1.0, ge=0.01)


class EventCountable(PrefectModel):
    countable: Countable
