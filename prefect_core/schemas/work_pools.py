"""Work pools, work queues and workers, as the reference API's `WorkPool*`,
`WorkQueue*` and `Worker*` components."""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import Field, field_validator

from prefect_core.schemas.base import ActionModel, DateTime, ORMModel, PrefectModel
from prefect_core.schemas.runs import FlowRun

#: The name of the queue every work pool is created with.
DEFAULT_QUEUE_NAME = "default"

#: Characters the reference forbids in names used in URLs, as its pattern (the
#: pattern shows in 422 messages).
NAME_PATTERN = r"^[^/%&><]+$"


#: A `{{ name }}` placeholder in a job configuration (names as Prefect's templating finds them).
_PLACEHOLDER = re.compile(r"{{\s*([\w\.\-\[\]$]+)\s*}}")


def _template_declares_its_variables(template: dict[str, Any] | None) -> dict[str, Any] | None:
    """A base job template is empty, or has a `job_configuration` and a `variables` schema
    declaring every variable the configuration's placeholders use (the reference's check)."""
    if not template:
        return template
    job_configuration = template.get("job_configuration")
    variables = template.get("variables")
    if not (job_configuration and variables):
        raise ValueError("The `base_job_template` must contain both a `job_configuration` key and a `variables` key.")
    values = job_configuration.values() if isinstance(job_configuration, dict) else [job_configuration]
    used = {name for value in values for name in _PLACEHOLDER.findall(json.dumps(value))}
    declared = set((variables.get("properties") or {}) if isinstance(variables, dict) else {})
    missing = used - declared
    if missing:
        raise ValueError(
            "The variables specified in the job configuration template must be present as properties in the "
            f"variables schema. Your job configuration uses the following undeclared variable(s): {' ,'.join(sorted(missing))}."
        )
    return template


def _not_empty(value: object) -> object:
    if value == "":
        raise ValueError("name cannot be an empty string")
    return value


class WorkPoolStatus(str, Enum):
    READY = "READY"
    NOT_READY = "NOT_READY"
    PAUSED = "PAUSED"


class WorkQueueStatus(str, Enum):
    READY = "READY"
    NOT_READY = "NOT_READY"
    PAUSED = "PAUSED"


class WorkerStatus(str, Enum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


class WorkPoolStorageConfiguration(PrefectModel):
    bundle_upload_step: dict[str, Any] | None = None
    bundle_execution_step: dict[str, Any] | None = None
    default_result_storage_block_id: UUID | None = None


class WorkPool(ORMModel):
    """A work pool as stored and returned (`WorkPoolResponse`)."""

    name: str
    description: str | None = None
    type: str
    base_job_template: dict[str, Any] = Field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: int | None = None
    status: WorkPoolStatus | None = None
    default_queue_id: UUID | None = None
    storage_configuration: WorkPoolStorageConfiguration = Field(default_factory=WorkPoolStorageConfiguration)
    active_slots: int | None = None


class WorkPoolCreate(ActionModel):
    name: str = Field(pattern=NAME_PATTERN)
    description: str | None = None
    type: str = "prefect-agent"
    base_job_template: dict[str, Any] = Field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)
    storage_configuration: WorkPoolStorageConfiguration = Field(default_factory=WorkPoolStorageConfiguration)

    _name = field_validator("name", mode="before")(_not_empty)
    _template = field_validator("base_job_template")(_template_declares_its_variables)


class WorkPoolUpdate(ActionModel):
    description: str | None = None
    is_paused: bool | None = None
    base_job_template: dict[str, Any] | None = None
    concurrency_limit: int | None = Field(default=None, ge=0)
    storage_configuration: WorkPoolStorageConfiguration | None = None

    _template = field_validator("base_job_template")(_template_declares_its_variables)


class QueueFilter(PrefectModel):
    tags: list[str] | None = None
    deployment_ids: list[UUID] | None = None


class WorkQueue(ORMModel):
    """A work queue as stored and returned (`WorkQueueResponse`)."""

    name: str
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: int | None = None
    priority: int = 1
    work_pool_id: UUID | None = None
    filter: QueueFilter | None = None
    last_polled: DateTime | None = None
    work_pool_name: str | None = None
    status: WorkQueueStatus | None = None
    active_slots: int | None = None


class WorkQueueCreate(ActionModel):
    name: str = Field(pattern=NAME_PATTERN)
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)
    priority: int | None = Field(default=None, gt=0)
    filter: QueueFilter | None = None


class WorkQueueUpdate(ActionModel):
    name: str | None = None
    description: str | None = None
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)
    priority: int | None = Field(default=None, gt=0)
    last_polled: DateTime | None = None
    filter: QueueFilter | None = None


class WorkQueueHealthPolicy(PrefectModel):
    maximum_late_runs: int | None = 0
    maximum_seconds_since_last_polled: int | None = 60


class WorkQueueStatusDetail(PrefectModel):
    healthy: bool
    late_runs_count: int = 0
    last_polled: DateTime | None = None
    health_check_policy: WorkQueueHealthPolicy


class Worker(ORMModel):
    """A worker process seen through its heartbeats (`WorkerResponse`)."""

    name: str
    work_pool_id: UUID
    last_heartbeat_time: DateTime | None = None
    heartbeat_interval_seconds: int | None = None
    status: WorkerStatus = WorkerStatus.OFFLINE


class WorkerFlowRunResponse(PrefectModel):
    """One run handed to a worker, with the pool and queue it came from."""

    work_pool_id: UUID
    work_queue_id: UUID
    flow_run: FlowRun


__all__ = [
    "DEFAULT_QUEUE_NAME",
    "QueueFilter",
    "WorkPool",
    "WorkPoolCreate",
    "WorkPoolStatus",
    "WorkPoolStorageConfiguration",
    "WorkPoolUpdate",
    "WorkQueue",
    "WorkQueueCreate",
    "WorkQueueHealthPolicy",
    "WorkQueueStatus",
    "WorkQueueStatusDetail",
    "WorkQueueUpdate",
    "Worker",
    "WorkerFlowRunResponse",
    "WorkerStatus",
]
