"""Deployments, field for field as the reference API's `Deployment*` components."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prefect_core import schema_validation as sv
from prefect_core.ids import uuid7
from prefect_core.names import run_name
from prefect_core.schemas.base import ActionModel, DateTime, KeyValueLabels, ORMModel, PrefectModel
from prefect_core.schemas.runs import CreatedBy, FlowRunPolicy
from prefect_core.schemas.schedules import (
    DeploymentSchedule,
    DeploymentScheduleCreate,
    DeploymentScheduleUpdate,
)
from prefect_core.schemas.states import StateCreate


def empty_parameter_schema() -> dict[str, Any]:
    """The schema of a flow without parameters: what the reference stores for none or `{}`."""
    return {"type": "object", "properties": {}}


def _normalised_schema(value: Any) -> Any:
    return empty_parameter_schema() if value is None or value == {} else value


class DeploymentStatus(str, Enum):
    READY = "READY"
    NOT_READY = "NOT_READY"


class DeploymentSort(str, Enum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"


class ConcurrencyOptions(PrefectModel):
    collision_strategy: Literal["ENQUEUE", "CANCEL_NEW"]
    grace_period_seconds: int | None = Field(default=None, ge=60, le=86400)


#: What a run that finds its deployment's slots all taken becomes when the
#: deployment says nothing: it waits (the reference's default).
DEFAULT_COLLISION_STRATEGY = "ENQUEUE"

#: How long a run's lease on its deployment's slot lasts before its holder must renew it,
#: unless the deployment's `concurrency_options.grace_period_seconds` says otherwise (the
#: reference's `PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION` default).
DEFAULT_DEPLOYMENT_LEASE_SECONDS = 300.0


def deployment_limit_name(deployment_id: UUID) -> str:
    """The name of a deployment's own global concurrency limit, the one made for its `concurrency_limit`."""
    return f"deployment:{deployment_id}"


@dataclass(frozen=True)
class DeploymentConcurrency:
    """A deployment's concurrency limit as a transition sees it: the global limit that governs
    it (its own `deployment:<id>` or one linked with `global_concurrency_limit_id`), read under
    its row lock, so the slots it shows as free stay free until the transition commits.

    A flow run holds one slot through a lease taken when it becomes PENDING (its id in the
    state's `deployment_concurrency_lease_id`), kept while it is PENDING, RUNNING or
    CANCELLING or waits in-process for a retry, renewed by the client while it runs, and
    given back when it leaves those states, or by the repossessor once it expires.
    """

    limit: int
    #: "ENQUEUE" or "CANCEL_NEW".
    collision_strategy: str
    #: Slots held now, by every holder.
    active_slots: int
    limit_id: UUID = field(default_factory=uuid7)
    #: How long a new lease lasts before it must be renewed: the deployment's grace
    #: period, or None for the server's default.
    lease_seconds: float | None = None
    #: An inactive limit gives no slot at all (as in the reference, whose slot increment
    #: only counts active limits): every new run waits or is cancelled until it is active.
    active: bool = True

    @property
    def full(self) -> bool:
        """No slot can be taken now (every slot held, or the limit inactive)."""
        return not self.active or self.active_slots >= self.limit


class GlobalConcurrencyLimit(ORMModel):
    """The reference's `GlobalConcurrencyLimitResponse`: the global limit that governs a
    deployment (its own "deployment:<id>", or one linked with `global_concurrency_limit_id`)."""

    active: bool = True
    name: str
    limit: int
    active_slots: int
    slot_decay_per_second: float = 0.0


class VersionInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    version: str


class UpdatedBy(PrefectModel):
    id: UUID | None = None
    type: str | None = None
    display_value: str | None = None


class Deployment(ORMModel):
    """A deployment as stored and returned (`DeploymentResponse`)."""

    name: str
    version: str | None = None
    description: str | None = None
    flow_id: UUID
    paused: bool = False
    schedules: list[DeploymentSchedule] = Field(default_factory=list)
    #: Deprecated: always answered null, as the reference does (read `global_concurrency_limit`).
    concurrency_limit: int | None = None
    # The global limit that governs the deployment, as the reference shows it.
    global_concurrency_limit: GlobalConcurrencyLimit | None = None
    concurrency_options: ConcurrencyOptions | None = None
    job_variables: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels = Field(default_factory=dict)
    work_queue_name: str | None = None
    work_queue_id: UUID | None = None
    last_polled: DateTime | None = None
    parameter_openapi_schema: dict[str, Any] | None = None
    path: str | None = None
    pull_steps: list[dict[str, Any]] | None = None
    entrypoint: str | None = None
    storage_document_id: UUID | None = None
    infrastructure_document_id: UUID | None = None
    created_by: CreatedBy | None = None
    updated_by: UpdatedBy | None = None
    work_pool_name: str | None = None
    status: DeploymentStatus | None = DeploymentStatus.NOT_READY
    enforce_parameter_schema: bool = True

    @field_validator("labels", "job_variables", "parameters", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return {} if v is None else v

    @field_validator("parameter_openapi_schema", mode="before")
    @classmethod
    def _schema_or_empty(cls, v: Any) -> Any:
        return _normalised_schema(v)


class DeploymentCreate(ActionModel):
    name: str = Field(min_length=1)
    flow_id: UUID
    paused: bool = False
    schedules: list[DeploymentScheduleCreate] = Field(default_factory=list)
    concurrency_limit: int | None = Field(default=None, gt=0)
    concurrency_options: ConcurrencyOptions | None = None
    global_concurrency_limit_id: UUID | None = None
    enforce_parameter_schema: bool = True
    parameter_openapi_schema: dict[str, Any] | None = Field(default_factory=empty_parameter_schema)
    parameters: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels | None = Field(default_factory=dict)
    pull_steps: list[dict[str, Any]] | None = None
    work_queue_name: str | None = None
    work_pool_name: str | None = None
    storage_document_id: UUID | None = None
    infrastructure_document_id: UUID | None = None
    description: str | None = None
    path: str | None = None
    version: str | None = None
    entrypoint: str | None = None
    job_variables: dict[str, Any] = Field(default_factory=dict)
    version_info: VersionInfo | None = None

    @field_validator("parameter_openapi_schema", mode="before")
    @classmethod
    def _schema_or_empty(cls, v: Any) -> Any:
        return _normalised_schema(v)

    @model_validator(mode="after")
    def _parameters_conform(self) -> DeploymentCreate:
        """With enforcement on, the parameters must fit the schema (required ones aside:
        runs may give them) and the schema must be one; a 422 otherwise, as the reference."""
        if self.concurrency_limit and self.global_concurrency_limit_id:
            raise ValueError("A deployment cannot have both a concurrency limit and a global concurrency limit.")
        if not self.enforce_parameter_schema or self.parameter_openapi_schema is None:
            return self
        try:
            sv.ensure_valid(self.parameters, self.parameter_openapi_schema, prepare=False, ignore_required=True)
        except sv.SchemaValidationFailed as exc:
            raise ValueError(exc.message) from exc
        except sv.InvalidSchema as exc:
            reason = str(exc).removeprefix("Invalid schema: ")
            raise ValueError(f"The provided schema is not a valid json schema. Schema error: {reason}") from exc
        except sv.CircularSchemaReference as exc:
            raise ValueError(sv.CIRCULAR_MESSAGE) from exc
        return self


class DeploymentUpdate(ActionModel):
    version: str | None = None
    description: str | None = None
    paused: bool = False
    schedules: list[DeploymentScheduleUpdate] = Field(default_factory=list)
    concurrency_limit: int | None = Field(default=None, gt=0)
    concurrency_options: ConcurrencyOptions | None = None
    global_concurrency_limit_id: UUID | None = None
    parameters: dict[str, Any] | None = None
    parameter_openapi_schema: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)
    work_queue_name: str | None = None
    work_pool_name: str | None = None
    path: str | None = None
    job_variables: dict[str, Any] | None = None
    pull_steps: list[dict[str, Any]] | None = None
    entrypoint: str | None = None
    storage_document_id: UUID | None = None
    infrastructure_document_id: UUID | None = None
    enforce_parameter_schema: bool | None = None
    version_info: VersionInfo | None = None

    @field_validator("parameter_openapi_schema", mode="before")
    @classmethod
    def _schema_or_empty(cls, v: Any) -> Any:
        return _normalised_schema(v)

    @model_validator(mode="after")
    def _one_kind_of_limit(self) -> DeploymentUpdate:
        if self.concurrency_limit and self.global_concurrency_limit_id:
            raise ValueError("A deployment cannot have both a concurrency limit and a global concurrency limit.")
        return self


class DeploymentFlowRunCreate(ActionModel):
    """Body of `POST /deployments/{id}/create_flow_run`."""

    state: StateCreate | None = None
    name: str = Field(default_factory=run_name)
    parameters: dict[str, Any] = Field(default_factory=dict)
    enforce_parameter_schema: bool | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    infrastructure_document_id: UUID | None = None
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)
    tags: list[str] = Field(default_factory=list)
    idempotency_key: str | None = None
    labels: KeyValueLabels | None = Field(default_factory=dict)
    parent_task_run_id: UUID | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _generated_name(cls, v: Any) -> Any:
        return v or run_name()


__all__ = [
    "DEFAULT_COLLISION_STRATEGY",
    "DEFAULT_DEPLOYMENT_LEASE_SECONDS",
    "ConcurrencyOptions",
    "Deployment",
    "DeploymentConcurrency",
    "DeploymentCreate",
    "DeploymentFlowRunCreate",
    "DeploymentSort",
    "DeploymentStatus",
    "DeploymentUpdate",
    "GlobalConcurrencyLimit",
    "UpdatedBy",
    "VersionInfo",
    "deployment_limit_name",
]
