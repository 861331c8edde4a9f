"""Automations and their triggers, field for field as the reference defines them.

A trigger says which events (or which absence of events) make the automation act:
an event trigger counts matching events in a time window (`within`) per group of
label values (`for_each`), reactively (at least `threshold` events) or proactively
(fewer than `threshold`); compound and sequence triggers combine child triggers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import Discriminator, Field, Tag, model_validator

from prefect_core.ids import uuid7
from prefect_core.schemas.automation_actions import Action, RunDeployment, Seconds
from prefect_core.schemas.base import ActionModel, ORMModel, PrefectModel
from prefect_core.schemas.event_filters import ResourceSpecification, label_matches
from prefect_core.schemas.events import Event, Resource

#: The shortest window a proactive trigger may have (and its default).
PROACTIVE_MINIMUM_WITHIN = dt.timedelta(seconds=10)


class Posture(str, Enum):
    Reactive = "Reactive"
    Proactive = "Proactive"


def spec_includes(spec: ResourceSpecification, candidates: Iterable[Resource]) -> bool:
    """Whether an empty spec, or one that some candidate matches."""
    return not spec.root or any(spec.matches(candidate) for candidate in candidates)


def event_name_matches(pattern: str, name: str) -> bool:
    """An event-name pattern: `*` is a wildcard (the reference's glob, no negation)."""
    return label_matches(pattern, name) if not pattern.startswith("!") else False


def find_label(event: Event, label: str) -> str | None:
    """A label of the event's resource, or `related:<role>:<label>` of its first related resource in that role."""
    directive, _, related_label = label.rpartition(":")
    directive, _, role = directive.partition(":")
    if directive == "related":
        for related in event.related:
            if related.role == role:
                return related.get(related_label)
    return event.resource.get(label)


class TriggerBase(PrefectModel):
    type: str
    id: UUID = Field(default_factory=uuid7)

    def all_triggers(self) -> list[TriggerBase]:
        return [self]

    def reset_ids(self) -> None:
        """New ids for this trigger and every child (the server owns trigger ids)."""
        for trigger in self.all_triggers():
            trigger.id = uuid7()


class EventTrigger(TriggerBase):
    type: Literal["event"] = "event"
    match: ResourceSpecification = Field(default_factory=lambda: ResourceSpecification({}))
    match_related: ResourceSpecification | list[ResourceSpecification] = Field(
        default_factory=lambda: ResourceSpecification({})
    )
    after: set[str] = Field(default_factory=set)
    expect: set[str] = Field(default_factory=set)
    for_each: set[str] = Field(default_factory=set)
    posture: Posture
    threshold: int = 1
    within: Seconds = Field(default=dt.timedelta(0), ge=dt.timedelta(0))

    @model_validator(mode="before")
    @classmethod
    def _proactive_window(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "within" in data and data["within"] is None:
            raise ValueError("`within` should be a valid timedelta")
        within = data.get("within")
        if isinstance(within, int | float) and not isinstance(within, bool):
            within = dt.timedelta(seconds=float(within))
            data = {**data, "within": within}
        if data.get("posture") == Posture.Proactive.value:
            if not within or within == dt.timedelta(0):
                data = {**data, "within": PROACTIVE_MINIMUM_WITHIN}
            elif isinstance(within, dt.timedelta) and within < PROACTIVE_MINIMUM_WITHIN:
                raise ValueError("`within` for Proactive triggers must be greater than or equal to 10 seconds")
        return data

    @property
    def related_specs(self) -> list[ResourceSpecification]:
        return self.match_related if isinstance(self.match_related, list) else [self.match_related]

    @property
    def immediate(self) -> bool:
        """A reactive trigger with no window fires on each event by itself."""
        return self.posture is Posture.Reactive and self.within == dt.timedelta(0)

    def covers(self, event: Event) -> bool:
        """Whether the event is of interest at all (named in expect or after, resources matching)."""
        names = self.expect | self.after
        if self.expect and not any(event_name_matches(p, event.event) for p in names):
            return False
        if not spec_includes(self.match, [event.resource]):
            return False
        return all(spec_includes(spec, event.related) for spec in self.related_specs)

    def starts_after(self, name: str) -> bool:
        return any(event_name_matches(p, name) for p in self.after)

    def expects(self, name: str) -> bool:
        return not self.expect or any(event_name_matches(p, name) for p in self.expect)

    def bucketing_key(self, event: Event) -> list[str]:
        return [find_label(event, label) or "" for label in sorted(self.for_each)]

    def meets_threshold(self, count: int) -> bool:
        if self.posture is Posture.Reactive:
            return count >= self.threshold
        return count < self.threshold


class CompositeTrigger(TriggerBase):
    triggers: list[Trigger]
    within: Seconds | None

    def all_triggers(self) -> list[TriggerBase]:
        return [self, *(t for child in self.triggers for t in child.all_triggers())]

    @property
    def num_expected_firings(self) -> int:
        return len(self.triggers)


class CompoundTrigger(CompositeTrigger):
    type: Literal["compound"] = "compound"
    require: int | Literal["any", "all"]

    @model_validator(mode="after")
    def _require(self) -> Self:
        if isinstance(self.require, int):
            if self.require < 1:
                raise ValueError("require must be at least 1")
            if self.require > len(self.triggers):
                raise ValueError("require must be less than or equal to the number of triggers")
        return self

    @property
    def num_expected_firings(self) -> int:
        if self.require == "any":
            return 1
        if self.require == "all":
            return len(self.triggers)
        return int(self.require)


class SequenceTrigger(CompositeTrigger):
    type: Literal["sequence"] = "sequence"


def _trigger_type(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("type", "event")
        return kind if kind in ("event", "compound", "sequence") else "unknown"
    return str(getattr(value, "type", "unknown"))


Trigger = Annotated[
    Annotated[EventTrigger, Tag("event")]
    | Annotated[CompoundTrigger, Tag("compound")]
    | Annotated[SequenceTrigger, Tag("sequence")],
    Discriminator(_trigger_type),
]
CompositeTrigger.model_rebuild()
CompoundTrigger.model_rebuild()
SequenceTrigger.model_rebuild()

_LOOPING_EVENTS = {
    "prefect.flow-run.Scheduled",
    "prefect.flow-run.Pending",
    "prefect.flow-run.Running",
    "prefect.flow-run.*",
}


def _matches_every_flow_run(spec: ResourceSpecification) -> bool:
    if not spec.root:
        return True
    if len(spec.root) == 1 and "prefect.resource.id" in spec.root:
        values = spec.root["prefect.resource.id"]
        return any(v == "prefect.flow-run.*" for v in ([values] if isinstance(values, str) else values))
    return False


class AutomationFields(PrefectModel):
    name: str
    description: str = ""
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)
    trigger: Trigger
    actions: list[Action]
    actions_on_trigger: list[Action] = Field(default_factory=list)
    actions_on_resolve: list[Action] = Field(default_factory=list)

    def all_triggers(self) -> list[TriggerBase]:
        return self.trigger.all_triggers()

    @model_validator(mode="after")
    def _no_run_deployment_loops(self) -> Self:
        """Refuse automations that would run a deployment on every run of it, forever."""
        trigger = self.trigger
        if not self.enabled or not isinstance(trigger, EventTrigger) or trigger.posture is not Posture.Reactive:
            return self
        if not _LOOPING_EVENTS & trigger.expect:
            return self
        for action in self.actions:
            if not isinstance(action, RunDeployment):
                continue
            if action.source == "inferred":
                raise ValueError(
                    "Running an inferred deployment from a flow run state change event will lead to an infinite "
                    "loop of flow runs.  Please choose a specific deployment and add additional filtering labels "
                    "to the match or match_related for this automation's trigger."
                )
            if _matches_every_flow_run(trigger.match) and any(
                _matches_every_flow_run(spec) for spec in trigger.related_specs
            ):
                raise ValueError(
                    "Running a selected deployment from a flow run state change event may lead to an infinite "
                    "loop of flow runs.  Please include additional filtering labels on either match or "
                    "match_related to narrow down which flow runs will trigger this automation to exclude flow "
                    "runs from the deployment you've selected."
                )
        return self


class AutomationCreate(AutomationFields, ActionModel):
    owner_resource: str | None = None


class AutomationUpdate(AutomationFields, ActionModel):
    pass


class AutomationPartialUpdate(ActionModel):
    enabled: bool = True


class Automation(ORMModel, AutomationFields):
    """A stored automation."""

    def trigger_by_id(self, trigger_id: UUID) -> TriggerBase | None:
        return next((t for t in self.all_triggers() if t.id == trigger_id), None)

    def parent_of(self, trigger_id: UUID) -> CompositeTrigger | None:
        """The composite trigger holding `trigger_id`, or None for the top trigger."""
        for candidate in self.all_triggers():
            if isinstance(candidate, CompositeTrigger) and any(c.id == trigger_id for c in candidate.triggers):
                return candidate
        return None

    def event_triggers(self) -> Sequence[EventTrigger]:
        return [t for t in self.all_triggers() if isinstance(t, EventTrigger)]


class AutomationSort(str, Enum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
