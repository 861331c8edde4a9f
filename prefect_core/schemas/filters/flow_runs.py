"""Flow run filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.filters.base import BlankableIds, FilterModel, Operator
from prefect_core.schemas.states import StateType


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

    any_: BlankableIds | None = None
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
