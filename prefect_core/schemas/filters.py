"""Filter bodies of the /filter, /count and /paginate endpoints.

Pure data, field for field as the reference API defines them (unknown keys are
rejected). Each storage plugin translates them into queries; `*_` suffixes
follow the reference: `any_` (one of), `all_` (contains all), `like_`
(substring), `before_`/`after_` (inclusive bounds), `is_null_`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.states import StateType


class Operator(str, Enum):
    """How a composite filter combines its criteria."""

    and_ = "and_"
    or_ = "or_"


class FilterModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def criteria(self) -> dict[str, Any]:
        """The criteria that were actually given (not None), by field name."""
        return {
            name: value
            for name in type(self).model_fields
            if name != "operator" and (value := getattr(self, name)) is not None
        }


class DeploymentOrFlowNameFilter(FilterModel):
    """Filter by `Deployment.name` or `Flow.name` with a single input string for ilike filtering."""

    like_: str | None = None


class DeploymentFilterConcurrencyLimit(FilterModel):
    """DEPRECATED: Prefer `Deployment.concurrency_limit_id` over `Deployment.concurrency_limit`."""

    ge_: int | None = None
    le_: int | None = None
    is_null_: bool | None = None


class DeploymentFilterId(FilterModel):
    """Filter by `Deployment.id`."""

    any_: list[UUID] | None = None
    not_any_: list[UUID] | None = None


class DeploymentFilterName(FilterModel):
    """Filter by `Deployment.name`."""

    any_: list[str] | None = None
    like_: str | None = None


class DeploymentFilterPaused(FilterModel):
    """Filter by `Deployment.paused`."""

    eq_: bool | None = None


class DeploymentFilterTags(FilterModel):
    """Filter by `Deployment.tags`."""

    operator: Operator = Operator.and_
    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: bool | None = None


class DeploymentFilterWorkQueueName(FilterModel):
    """Filter by `Deployment.work_queue_name`."""

    any_: list[str] | None = None


class DeploymentFilter(FilterModel):
    """Filter for deployments. Only deployments matching all criteria will be returned."""

    operator: Operator = Operator.and_
    id: DeploymentFilterId | None = None
    name: DeploymentFilterName | None = None
    flow_or_deployment_name: DeploymentOrFlowNameFilter | None = None
    paused: DeploymentFilterPaused | None = None
    tags: DeploymentFilterTags | None = None
    work_queue_name: DeploymentFilterWorkQueueName | None = None
    concurrency_limit: DeploymentFilterConcurrencyLimit | None = None


class FlowFilterDeployment(FilterModel):
    """Filter by flows by deployment"""

    operator: Operator = Operator.and_
    is_null_: bool | None = None


class FlowFilterId(FilterModel):
    """Filter by `Flow.id`."""

    any_: list[UUID] | None = None
    not_any_: list[UUID] | None = None


class FlowFilterName(FilterModel):
    """Filter by `Flow.name`."""

    any_: list[str] | None = None
    like_: str | None = None


class FlowFilterTags(FilterModel):
    """Filter by `Flow.tags`."""

    operator: Operator = Operator.and_
    all_: list[str] | None = None
    is_null_: bool | None = None


class FlowFilter(FilterModel):
    """Filter for flows. Only flows matching all criteria will be returned."""

    operator: Operator = Operator.and_
    id: FlowFilterId | None = None
    deployment: FlowFilterDeployment | None = None
    name: FlowFilterName | None = None
    tags: FlowFilterTags | None = None


class FlowRunFilterCreatedBy(FilterModel):
    """Filter by `FlowRun.created_by`."""

    operator: Operator = Operator.and_
    id_: list[UUID] | None = None
    type_: list[str] | None = None
    is_null_: bool | None = None


class FlowRunFilterDeploymentId(FilterModel):
    """Filter by `FlowRun.deployment_id`."""

    operator: Operator = Operator.and_
    any_: list[UUID] | None = None
    is_null_: bool | None = None


class FlowRunFilterEndTime(FilterModel):
    """Filter by `FlowRun.end_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None
    is_null_: bool | None = None


class FlowRunFilterExpectedStartTime(FilterModel):
    """Filter by `FlowRun.expected_start_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None


class FlowRunFilterFlowVersion(FilterModel):
    """Filter by `FlowRun.flow_version`."""

    any_: list[str] | None = None


class FlowRunFilterId(FilterModel):
    """Filter by `FlowRun.id`."""

    any_: list[UUID] | None = None
    not_any_: list[UUID] | None = None


class FlowRunFilterIdempotencyKey(FilterModel):
    """Filter by FlowRun.idempotency_key."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class FlowRunFilterName(FilterModel):
    """Filter by `FlowRun.name`."""

    any_: list[str] | None = None
    like_: str | None = None


class FlowRunFilterNextScheduledStartTime(FilterModel):
    """Filter by `FlowRun.next_scheduled_start_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None


class FlowRunFilterParentFlowRunId(FilterModel):
    """Filter for subflows of a given flow run"""

    operator: Operator = Operator.and_
    any_: list[UUID] | None = None


class FlowRunFilterParentTaskRunId(FilterModel):
    """Filter by `FlowRun.parent_task_run_id`."""

    operator: Operator = Operator.and_
    any_: list[UUID] | None = None
    is_null_: bool | None = None


class FlowRunFilterStartTime(FilterModel):
    """Filter by `FlowRun.start_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None
    is_null_: bool | None = None


class FlowRunFilterStateName(FilterModel):
    """Filter by `FlowRun.state_name`."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class FlowRunFilterStateType(FilterModel):
    """Filter by `FlowRun.state_type`."""

    any_: list[StateType] | None = None
    not_any_: list[StateType] | None = None


class FlowRunFilterState(FilterModel):
    """Filter by `FlowRun.state_type` and `FlowRun.state_name`."""

    operator: Operator = Operator.and_
    type: FlowRunFilterStateType | None = None
    name: FlowRunFilterStateName | None = None


class FlowRunFilterTags(FilterModel):
    """Filter by `FlowRun.tags`."""

    operator: Operator = Operator.and_
    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: bool | None = None


class FlowRunFilterWorkQueueName(FilterModel):
    """Filter by `FlowRun.work_queue_name`."""

    operator: Operator = Operator.and_
    any_: list[str] | None = None
    is_null_: bool | None = None


class FlowRunFilter(FilterModel):
    """Filter flow runs. Only flow runs matching all criteria will be returned"""

    operator: Operator = Operator.and_
    id: FlowRunFilterId | None = None
    name: FlowRunFilterName | None = None
    tags: FlowRunFilterTags | None = None
    deployment_id: FlowRunFilterDeploymentId | None = None
    work_queue_name: FlowRunFilterWorkQueueName | None = None
    state: FlowRunFilterState | None = None
    flow_version: FlowRunFilterFlowVersion | None = None
    start_time: FlowRunFilterStartTime | None = None
    end_time: FlowRunFilterEndTime | None = None
    expected_start_time: FlowRunFilterExpectedStartTime | None = None
    next_scheduled_start_time: FlowRunFilterNextScheduledStartTime | None = None
    parent_flow_run_id: FlowRunFilterParentFlowRunId | None = None
    parent_task_run_id: FlowRunFilterParentTaskRunId | None = None
    idempotency_key: FlowRunFilterIdempotencyKey | None = None
    created_by: FlowRunFilterCreatedBy | None = None


class LogFilterFlowRunId(FilterModel):
    """Filter by `Log.flow_run_id`."""

    any_: list[UUID] | None = None


class LogFilterLevel(FilterModel):
    """Filter by `Log.level`."""

    ge_: int | None = None
    le_: int | None = None


class LogFilterTaskRunId(FilterModel):
    """Filter by `Log.task_run_id`."""

    any_: list[UUID] | None = None
    is_null_: bool | None = None


class LogFilterTextSearch(FilterModel):
    """Filter by text search across log content."""

    query: str


class LogFilterTimestamp(FilterModel):
    """Filter by `Log.timestamp`."""

    before_: DateTime | None = None
    after_: DateTime | None = None


class LogFilter(FilterModel):
    """Filter logs. Only logs matching all criteria will be returned"""

    operator: Operator = Operator.and_
    level: LogFilterLevel | None = None
    timestamp: LogFilterTimestamp | None = None
    flow_run_id: LogFilterFlowRunId | None = None
    task_run_id: LogFilterTaskRunId | None = None
    text: LogFilterTextSearch | None = None


class TaskRunFilterEndTime(FilterModel):
    """Filter by `TaskRun.end_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None
    is_null_: bool | None = None


class TaskRunFilterExpectedStartTime(FilterModel):
    """Filter by `TaskRun.expected_start_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None


class TaskRunFilterFlowRunId(FilterModel):
    """Filter by `TaskRun.flow_run_id`."""

    operator: Operator = Operator.and_
    any_: list[UUID] | None = None
    is_null_: bool | None = False


class TaskRunFilterId(FilterModel):
    """Filter by `TaskRun.id`."""

    any_: list[UUID] | None = None


class TaskRunFilterName(FilterModel):
    """Filter by `TaskRun.name`."""

    any_: list[str] | None = None
    like_: str | None = None


class TaskRunFilterStartTime(FilterModel):
    """Filter by `TaskRun.start_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None
    is_null_: bool | None = None


class TaskRunFilterStateName(FilterModel):
    """Filter by `TaskRun.state_name`."""

    any_: list[str] | None = None


class TaskRunFilterStateType(FilterModel):
    """Filter by `TaskRun.state_type`."""

    any_: list[StateType] | None = None


class TaskRunFilterState(FilterModel):
    """Filter by `TaskRun.type` and `TaskRun.name`."""

    operator: Operator = Operator.and_
    type: TaskRunFilterStateType | None = None
    name: TaskRunFilterStateName | None = None


class TaskRunFilterSubFlowRuns(FilterModel):
    """Filter by `TaskRun.subflow_run`."""

    exists_: bool | None = None


class TaskRunFilterTags(FilterModel):
    """Filter by `TaskRun.tags`."""

    operator: Operator = Operator.and_
    all_: list[str] | None = None
    is_null_: bool | None = None


class TaskRunFilter(FilterModel):
    """Filter task runs. Only task runs matching all criteria will be returned"""

    operator: Operator = Operator.and_
    id: TaskRunFilterId | None = None
    name: TaskRunFilterName | None = None
    tags: TaskRunFilterTags | None = None
    state: TaskRunFilterState | None = None
    start_time: TaskRunFilterStartTime | None = None
    end_time: TaskRunFilterEndTime | None = None
    expected_start_time: TaskRunFilterExpectedStartTime | None = None
    subflow_runs: TaskRunFilterSubFlowRuns | None = None
    flow_run_id: TaskRunFilterFlowRunId | None = None


class WorkPoolFilterId(FilterModel):
    """Filter by `WorkPool.id`."""

    any_: list[UUID] | None = None


class WorkPoolFilterName(FilterModel):
    """Filter by `WorkPool.name`."""

    any_: list[str] | None = None


class WorkPoolFilterType(FilterModel):
    """Filter by `WorkPool.type`."""

    any_: list[str] | None = None


class WorkPoolFilter(FilterModel):
    """Filter work pools. Only work pools matching all criteria will be returned"""

    operator: Operator = Operator.and_
    id: WorkPoolFilterId | None = None
    name: WorkPoolFilterName | None = None
    type: WorkPoolFilterType | None = None


class WorkQueueFilterId(FilterModel):
    """Filter by `WorkQueue.id`."""

    any_: list[UUID] | None = None


class WorkQueueFilterName(FilterModel):
    """Filter by `WorkQueue.name`."""

    any_: list[str] | None = None
    startswith_: list[str] | None = None


class WorkQueueFilter(FilterModel):
    """Filter work queues. Only work queues matching all criteria will be"""

    operator: Operator = Operator.and_
    id: WorkQueueFilterId | None = None
    name: WorkQueueFilterName | None = None


class WorkerFilterLastHeartbeatTime(FilterModel):
    """Filter by `Worker.last_heartbeat_time`."""

    before_: DateTime | None = None
    after_: DateTime | None = None


class WorkerFilterStatus(FilterModel):
    """Filter by `Worker.status`."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class WorkerFilter(FilterModel):
    """Filter by `Worker.last_heartbeat_time`."""

    operator: Operator = Operator.and_
    last_heartbeat_time: WorkerFilterLastHeartbeatTime | None = None
    status: WorkerFilterStatus | None = None

