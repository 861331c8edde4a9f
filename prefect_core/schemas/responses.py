"""Orchestration results: what set_state answers."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from prefect_core.schemas.base import PrefectModel
from prefect_core.schemas.states import State


class SetStateStatus(str, Enum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    ABORT = "ABORT"
    WAIT = "WAIT"


class StateAcceptDetails(PrefectModel):
    type: Literal["accept_details"] = "accept_details"


class StateRejectDetails(PrefectModel):
    type: Literal["reject_details"] = "reject_details"
    reason: str | None = None


class StateAbortDetails(PrefectModel):
    type: Literal["abort_details"] = "abort_details"
    reason: str | None = None


class StateWaitDetails(PrefectModel):
    type: Literal["wait_details"] = "wait_details"
    delay_seconds: int
    reason: str | None = None


StateResponseDetails = StateAcceptDetails | StateRejectDetails | StateAbortDetails | StateWaitDetails


class OrchestrationResult(PrefectModel):
    state: State | None = None
    status: SetStateStatus
    details: StateResponseDetails = Field(discriminator="type")
