"""Flow runs and task runs, their policies and inputs."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from prefect_core.names import run_name
from prefect_core.schemas.base import ActionModel, DateTime, KeyValueLabels, ORMModel, PrefectModel
from prefect_core.schemas.states import State, StateCreate, StateType

#: The longest cache key a task run may have (as the reference).
MAX_CACHE_KEY_LENGTH = 2000


def _deprecated_retry_fields(values: Any) -> Any:
    # Old clients send max_retries / retry_delay_seconds; carry them to the new names.
    if isinstance(values, dict):
        if not values.get("retries") and values.get("max_retries", 0):
            values = {**values, "retries": values["max_retries"]}
        if not values.get("retry_delay") and values.get("retry_delay_seconds", 0):
            values = {**values, "retry_delay": values["retry_delay_seconds"]}
    return values


class FlowRunPolicy(PrefectModel):
    """How a flow run retries and pauses."""

    max_retries: int = 0
    retry_delay_seconds: float = 0
    retries: int | None = None
    retry_delay: int | None = None
    pause_keys: set[str] | None = Field(default_factory=set)
    resuming: bool | None = False
    retry_type: Literal["in_process", "reschedule"] | None = None

    _migrate = model_validator(mode="before")(_deprecated_retry_fields)


class TaskRunPolicy(PrefectModel):
    """How a task run retries."""

    max_retries: int = 0
    retry_delay_seconds: float = 0
    retries: int | None = None
    retry_delay: int | float | list[int] | list[float] | None = None
    retry_jitter_factor: float | None = None

    _migrate = model_validator(mode="before")(_deprecated_retry_fields)

    @field_validator("retry_delay")
    @classmethod
    def _at_most_50(cls, v: Any) -> Any:
        if isinstance(v, list) and len(v) > 50:
            raise ValueError("Can not configure more than 50 retry delays per task.")
        return v

    @field_validator("retry_jitter_factor")
    @classmethod
    def _not_negative(cls, v: float | None) -> float | None:
        if v is not None and v < 0:
            raise ValueError("`retry_jitter_factor` must be >= 0.")
        return v


class CreatedBy(PrefectModel):
    id: UUID | None = None
    type: str | None = None
    display_value: str | None = None


class TaskRunResult(PrefectModel):
    input_type: Literal["task_run"] = "task_run"
    id: UUID


class FlowRunResult(PrefectModel):
    input_type: Literal["flow_run"] = "flow_run"
    id: UUID


class Parameter(PrefectModel):
    input_type: Literal["parameter"] = "parameter"
    name: str


class Constant(PrefectModel):
    input_type: Literal["constant"] = "constant"
    type: str


TaskInput = TaskRunResult | FlowRunResult | Parameter | Constant


class _RunTiming(PrefectModel):
    state_type: StateType | None = None
    state_name: str | None = None
    run_count: int = 0
    expected_start_time: DateTime | None = None
    next_scheduled_start_time: DateTime | None = None
    start_time: DateTime | None = None
    end_time: DateTime | None = None
    total_run_time: float = 0.0
    estimated_run_time: float = 0.0
    estimated_start_time_delta: float = 0.0


class FlowRun(ORMModel, _RunTiming):
    name: str = Field(default_factory=run_name)
    flow_id: UUID
    state_id: UUID | None = None
    deployment_id: UUID | None = None
    deployment_version: str | None = None
    work_queue_name: str | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels | None = Field(default_factory=dict)
    parent_task_run_id: UUID | None = None
    auto_scheduled: bool = False
    infrastructure_document_id: UUID | None = None
    infrastructure_pid: str | None = None
    created_by: CreatedBy | None = None
    work_queue_id: UUID | None = None
    work_pool_id: UUID | None = None
    work_pool_name: str | None = None
    state: State | None = None
    job_variables: dict[str, Any] | None = Field(default_factory=dict)


class TaskRun(ORMModel, _RunTiming):
    name: str = Field(default_factory=run_name)
    flow_run_id: UUID | None = None
    task_key: str
    dynamic_key: str
    cache_key: str | None = None
    cache_expiration: DateTime | None = None
    task_version: str | None = None
    empirical_policy: TaskRunPolicy = Field(default_factory=TaskRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels | None = Field(default_factory=dict)
    state_id: UUID | None = None
    task_inputs: dict[str, list[TaskInput]] = Field(default_factory=dict)
    flow_run_run_count: int = 0
    state: State | None = None


def _name_or_generated(name: str | None) -> str:
    return name or run_name()


class FlowRunCreate(ActionModel):
    state: StateCreate | None = None
    name: str = Field(default_factory=run_name)
    flow_id: UUID
    flow_version: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    parent_task_run_id: UUID | None = None
    infrastructure_document_id: UUID | None = None
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels | None = Field(default_factory=dict)
    idempotency_key: str | None = None
    work_pool_name: str | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None
    deployment_id: UUID | None = None

    _name = field_validator("name", mode="before")(_name_or_generated)


class FlowRunUpdate(ActionModel):
    name: str | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] | None = None
    empirical_policy: FlowRunPolicy | None = None
    tags: list[str] | None = None
    infrastructure_pid: str | None = None
    job_variables: dict[str, Any] | None = None


class TaskRunCreate(ActionModel):
    id: UUID | None = None
    state: StateCreate | None = None
    name: str = Field(default_factory=run_name)
    flow_run_id: UUID | None = None
    task_key: str
    dynamic_key: str
    cache_key: str | None = None
    cache_expiration: DateTime | None = None
    task_version: str | None = None
    empirical_policy: TaskRunPolicy = Field(default_factory=TaskRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels | None = Field(default_factory=dict)
    task_inputs: dict[str, list[TaskInput]] = Field(default_factory=dict)

    _name = field_validator("name", mode="before")(_name_or_generated)

    @field_validator("cache_key")
    @classmethod
    def _cache_key_length(cls, value: str | None) -> str | None:
        if value is not None and len(value) > MAX_CACHE_KEY_LENGTH:
            raise ValueError(f"Cache key exceeded maximum allowed length of {MAX_CACHE_KEY_LENGTH} characters.")
        return value


class TaskRunUpdate(ActionModel):
    name: str | None = None
