"""Task run filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.filters.base import BlankableIds, FilterModel, Operator
from prefect_core.schemas.states import StateType


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

    any_: BlankableIds | None = None


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
