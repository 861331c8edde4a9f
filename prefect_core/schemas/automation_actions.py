"""The actions an automation may take, field for field as the reference defines them.

Each action is a plain model; what it does is `prefect_core.automations.actions`'
business. The union is discriminated by `type` (an action sent without one is
`do-nothing`, as the reference's first union member takes it).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import Discriminator, Field, PlainSerializer, Tag, ValidationInfo, field_validator, model_validator

from prefect_core.schemas.base import PrefectModel
from prefect_core.schemas.states import StateType

#: A duration read as seconds or ISO-8601 and written as seconds, as the reference's
#: models serialise timedeltas.
Seconds = Annotated[dt.timedelta, PlainSerializer(lambda v: v.total_seconds(), return_type=float, when_used="json")]

Source = Literal["selected", "inferred"]


class ActionBase(PrefectModel):
    """Every action: its `type` names it."""

    type: str


class DoNothing(ActionBase):
    type: Literal["do-nothing"] = "do-nothing"


def _source_and_id(source: str, value: UUID | None, field: str) -> None:
    """A `selected` target needs its id; an `inferred` one must not have one."""
    if (source == "selected") != bool(value):
        raise ValueError(f"{field} is " + ("not allowed" if value else "required"))


class DeploymentAction(ActionBase):
    source: Source = "selected"
    deployment_id: UUID | None = None

    @model_validator(mode="after")
    def _target(self) -> Self:
        _source_and_id(self.source, self.deployment_id, "deployment_id")
        return self


class RunDeployment(DeploymentAction):
    type: Literal["run-deployment"] = "run-deployment"
    parameters: dict[str, Any] | None = None
    job_variables: dict[str, Any] | None = None
    schedule_after: Seconds = Field(default=dt.timedelta(0), ge=dt.timedelta(0))


class PauseDeployment(DeploymentAction):
    type: Literal["pause-deployment"] = "pause-deployment"


class ResumeDeployment(DeploymentAction):
    type: Literal["resume-deployment"] = "resume-deployment"


class ChangeFlowRunState(ActionBase):
    type: Literal["change-flow-run-state"] = "change-flow-run-state"
    name: str | None = None
    state: StateType
    message: str | None = None
    force: bool = False


class CancelFlowRun(ActionBase):
    type: Literal["cancel-flow-run"] = "cancel-flow-run"


class SuspendFlowRun(ActionBase):
    type: Literal["suspend-flow-run"] = "suspend-flow-run"


class ResumeFlowRun(ActionBase):
    type: Literal["resume-flow-run"] = "resume-flow-run"


class DeleteFlowRun(ActionBase):
    type: Literal["delete-flow-run"] = "delete-flow-run"


def _valid_template(value: str, field: str) -> str:
    """A template that does not parse (or breaks the sandbox's limits) is refused (422)."""
    from prefect_core.automations.templates import TemplateProblem, validate

    try:
        validate(value)
    except TemplateProblem as exc:
        raise ValueError(f"{field!r} is not a valid template: {exc.message}") from None
    return value


class CallWebhook(ActionBase):
    type: Literal["call-webhook"] = "call-webhook"
    block_document_id: UUID
    payload: str = ""

    @field_validator("payload", mode="before")
    @classmethod
    def _payload_text(cls, value: Any) -> Any:
        # Older clients and stored rows send the payload as an object (the reference turns
        # it into indented JSON text the same way).
        if isinstance(value, dict):
            return json.dumps(value, indent=2)
        return value

    @field_validator("payload")
    @classmethod
    def _payload_template(cls, value: str) -> str:
        return _valid_template(value, "payload") if value else value


class SendNotification(ActionBase):
    type: Literal["send-notification"] = "send-notification"
    block_document_id: UUID
    subject: str = "Prefect automated notification"
    body: str

    @field_validator("subject", "body")
    @classmethod
    def _templates(cls, value: str, info: ValidationInfo) -> str:
        return _valid_template(value, str(info.field_name))


class WorkPoolAction(ActionBase):
    source: Source = "selected"
    work_pool_id: UUID | None = None

    @model_validator(mode="after")
    def _target(self) -> Self:
        _source_and_id(self.source, self.work_pool_id, "work_pool_id")
        return self


class PauseWorkPool(WorkPoolAction):
    type: Literal["pause-work-pool"] = "pause-work-pool"


class ResumeWorkPool(WorkPoolAction):
    type: Literal["resume-work-pool"] = "resume-work-pool"


class WorkQueueAction(ActionBase):
    source: Source = "selected"
    work_queue_id: UUID | None = None

    @model_validator(mode="after")
    def _target(self) -> Self:
        _source_and_id(self.source, self.work_queue_id, "work_queue_id")
        return self


class PauseWorkQueue(WorkQueueAction):
    type: Literal["pause-work-queue"] = "pause-work-queue"


class ResumeWorkQueue(WorkQueueAction):
    type: Literal["resume-work-queue"] = "resume-work-queue"


class AutomationAction(ActionBase):
    source: Source = "selected"
    automation_id: UUID | None = None

    @model_validator(mode="after")
    def _target(self) -> Self:
        _source_and_id(self.source, self.automation_id, "automation_id")
        return self


class PauseAutomation(AutomationAction):
    type: Literal["pause-automation"] = "pause-automation"


class ResumeAutomation(AutomationAction):
    type: Literal["resume-automation"] = "resume-automation"


ACTION_TYPES: dict[str, type[ActionBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        DoNothing,
        RunDeployment,
        PauseDeployment,
        ResumeDeployment,
        CancelFlowRun,
        DeleteFlowRun,
        ChangeFlowRunState,
        PauseWorkQueue,
        ResumeWorkQueue,
        SendNotification,
        CallWebhook,
        PauseAutomation,
        ResumeAutomation,
        SuspendFlowRun,
        ResumeFlowRun,
        PauseWorkPool,
        ResumeWorkPool,
    )
}


def _action_type(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("type", "do-nothing")
        return kind if isinstance(kind, str) and kind in ACTION_TYPES else "unknown"
    return str(getattr(value, "type", "unknown"))


Action = Annotated[
    Annotated[DoNothing, Tag("do-nothing")]
    | Annotated[RunDeployment, Tag("run-deployment")]
    | Annotated[PauseDeployment, Tag("pause-deployment")]
    | Annotated[ResumeDeployment, Tag("resume-deployment")]
    | Annotated[CancelFlowRun, Tag("cancel-flow-run")]
    | Annotated[DeleteFlowRun, Tag("delete-flow-run")]
    | Annotated[ChangeFlowRunState, Tag("change-flow-run-state")]
    | Annotated[PauseWorkQueue, Tag("pause-work-queue")]
    | Annotated[ResumeWorkQueue, Tag("resume-work-queue")]
    | Annotated[SendNotification, Tag("send-notification")]
    | Annotated[CallWebhook, Tag("call-webhook")]
    | Annotated[PauseAutomation, Tag("pause-automation")]
    | Annotated[ResumeAutomation, Tag("resume-automation")]
    | Annotated[SuspendFlowRun, Tag("suspend-flow-run")]
    | Annotated[ResumeFlowRun, Tag("resume-flow-run")]
    | Annotated[PauseWorkPool, Tag("pause-work-pool")]
    | Annotated[ResumeWorkPool, Tag("resume-work-pool")],
    Discriminator(_action_type),
]
