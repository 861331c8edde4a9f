"""States, their details, and the standard state names."""

from __future__ import annotations

import copy
import datetime as dt
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.schemas.base import ActionModel, DateTime, PrefectModel


class StateType(str, Enum):
    """The nine state types of a run."""

    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"


TERMINAL_STATES = frozenset({StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED})

#: The name a state of each type carries when the client gives none.
DEFAULT_NAMES = {
    StateType.SCHEDULED: "Scheduled",
    StateType.PENDING: "Pending",
    StateType.RUNNING: "Running",
    StateType.COMPLETED: "Completed",
    StateType.FAILED: "Failed",
    StateType.CANCELLED: "Cancelled",
    StateType.CRASHED: "Crashed",
    StateType.PAUSED: "Paused",
    StateType.CANCELLING: "Cancelling",
}


class StateDetails(PrefectModel):
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None
    child_flow_run_id: UUID | None = None
    scheduled_time: DateTime | None = None
    cache_key: str | None = None
    cache_expiration: DateTime | None = None
    deferred: bool | None = False
    untrackable_result: bool = False
    pause_timeout: DateTime | None = None
    pause_reschedule: bool = False
    pause_key: str | None = None
    run_input_keyset: dict[str, str] | None = None
    refresh_cache: bool | None = None
    retriable: bool | None = None
    transition_id: UUID | None = None
    task_parameters_id: UUID | None = None
    traceparent: str | None = None
    deployment_concurrency_lease_id: UUID | None = None


class StateCreate(ActionModel):
    """A state proposed by a client."""

    type: StateType
    name: str | None = None
    message: str | None = None
    data: Any | None = None
    state_details: StateDetails = Field(default_factory=StateDetails)

    @model_validator(mode="after")
    def _default_name(self) -> StateCreate:
        if self.name is None:
            self.name = DEFAULT_NAMES[self.type]
        return self


class State(PrefectModel):
    """A state as stored and returned: a type, a name, a timestamp, details."""

    id: UUID = Field(default_factory=uuid7)
    type: StateType
    name: str | None = None
    timestamp: DateTime = Field(default_factory=timeutil.now)
    message: str | None = None
    data: Any | None = None
    state_details: StateDetails = Field(default_factory=StateDetails)

    @model_validator(mode="after")
    def _default_name(self) -> State:
        if self.name is None:
            self.name = DEFAULT_NAMES[self.type]
        return self

    @property
    def is_terminal(self) -> bool:
        return self.type in TERMINAL_STATES

    @classmethod
    def from_create(cls, proposed: StateCreate, *, timestamp: dt.datetime | None = None) -> State:
        """A fresh state (new id, current timestamp unless given) from a proposal."""
        return cls(
            type=proposed.type,
            name=proposed.name,
            message=proposed.message,
            data=proposed.data,
            state_details=proposed.state_details.model_copy(),
            timestamp=timestamp or timeutil.now(),
        )

    def fresh_copy(self, **changes: Any) -> State:
        """A copy with a new id and timestamp, as when a rule substitutes a state."""
        # As independent of `self` as a deep copy (callers edit the copy's details), without
        # deep-copying every field: the details are flat but for one dict, `data` is JSON.
        details = self.state_details.model_copy()
        if details.run_input_keyset is not None:
            details.run_input_keyset = dict(details.run_input_keyset)
        data = self.data if not isinstance(self.data, dict | list) else copy.deepcopy(self.data)
        update = {"id": uuid7(), "timestamp": timeutil.now(), "state_details": details, "data": data, **changes}
        return self.model_copy(update=update)
