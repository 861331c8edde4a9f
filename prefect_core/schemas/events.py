"""Events: what happened, to which resource, with which related resources."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field, RootModel, field_validator, model_validator

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.schemas.base import DateTime, PrefectModel

#: The reference's limits (server.events.maximum_*), enforced on what clients send.
MAX_LABELS_PER_RESOURCE = 500
MAX_RELATED_RESOURCES = 100
MAX_EVENT_NAME_LENGTH = 1024


class Resource(RootModel[dict[str, str]]):
    """A resource: string labels, `prefect.resource.id` required."""

    @model_validator(mode="after")
    def _requires_id(self) -> Resource:
        if len(self.root) > MAX_LABELS_PER_RESOURCE:
            raise ValueError(f"The maximum number of labels per resource is {MAX_LABELS_PER_RESOURCE}")
        if "prefect.resource.id" not in self.root:
            raise ValueError("Resources must include the prefect.resource.id label")
        if not self.root["prefect.resource.id"]:
            raise ValueError("The prefect.resource.id label must be non-empty")
        return self

    @property
    def id(self) -> str:
        return self.root["prefect.resource.id"]

    @property
    def role(self) -> str:
        """The role of a related resource; the primary resource has none ("")."""
        return ""

    def get(self, label: str, default: str | None = None) -> str | None:
        return self.root.get(label, default)

    def object_id(self, kind: str) -> UUID | None:
        """The UUID in an id like `prefect.<kind>.<uuid>`, or None if it is not one."""
        prefix = f"{kind}."
        if not self.id.startswith(prefix):
            return None
        try:
            return UUID(self.id[len(prefix) :])
        except ValueError:
            return None


class RelatedResource(Resource):
    """A resource related to an event, with a `prefect.resource.role`."""

    @model_validator(mode="after")
    def _requires_role(self) -> RelatedResource:
        if not self.root.get("prefect.resource.role"):
            raise ValueError("Related Resources must include the prefect.resource.role label")
        return self

    @property
    def role(self) -> str:
        return self.root["prefect.resource.role"]


class Event(PrefectModel):
    """An event as the server stores and streams it (the reference's ReceivedEvent)."""

    occurred: DateTime
    event: str = Field(max_length=MAX_EVENT_NAME_LENGTH)
    resource: Resource
    related: list[RelatedResource] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)
    id: UUID = Field(default_factory=uuid7)
    follows: UUID | None = None
    received: DateTime = Field(default_factory=timeutil.now)

    @field_validator("related")
    @classmethod
    def _bounded_related(cls, value: list[RelatedResource]) -> list[RelatedResource]:
        if len(value) > MAX_RELATED_RESOURCES:
            raise ValueError(f"The maximum number of related resources is {MAX_RELATED_RESOURCES}")
        return value

    @property
    def involved_resources(self) -> list[Resource]:
        """The primary resource, then the related ones."""
        return [self.resource, *self.related]

    def related_by_role(self, role: str) -> list[RelatedResource]:
        return [r for r in self.related if r.role == role]

    def first_related(self, role: str) -> RelatedResource | None:
        """The first related resource in `role`, if any."""
        return next((r for r in self.related if r.role == role), None)

    def received_now(self) -> Event:
        """This event stamped as received by the server at this moment."""
        return self.model_copy(update={"received": timeutil.now()})


class ClientEvent(Event):
    """An event as a client sends it: the id is required, `received` is the server's to set."""

    id: UUID


class EventPage(PrefectModel):
    """One page of a filtered event query."""

    events: list[Event]
    total: int
    next_page: str | None


class EventCount(PrefectModel):
    """How many events share one value (a day, a name, a resource)."""

    value: str
    label: str
    count: int
    start_time: DateTime
    end_time: DateTime


def __getattr__(name: str) -> Any:
    # `EventFilter` lives in `event_filters` (which imports this module); keep the
    # old import path working without a circular import.
    if name == "EventFilter":
        from prefect_core.schemas.event_filters import EventFilter

        return EventFilter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
