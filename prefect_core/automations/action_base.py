"""An action being carried out (`TriggeredAction`) and how it fails (`ActionFailed`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.automations.firing import Firing
from prefect_core.ids import uuid7
from prefect_core.schemas import automation_actions as a
from prefect_core.schemas.automations import Automation
from prefect_core.schemas.events import Event, RelatedResource


class ActionFailed(Exception):
    """An action could not be carried out; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class TriggeredAction:
    """One action of one automation, for one firing."""

    automation: Automation
    action: a.ActionBase
    action_index: int
    firing: Firing
    triggering_event: Event | None
    state_change_event_id: UUID | None
    id: UUID = field(default_factory=uuid7)
    triggered: dt.datetime = field(default_factory=timeutil.now)
    #: What the action touched and what it found out (for its executed/failed event).
    resulting: list[RelatedResource] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def idempotency_key(self) -> str:
        return f"automation {self.automation.id}, action {self.action_index}, invocation {self.id}"
