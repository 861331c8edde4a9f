"""Log filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.filters.base import FilterModel, Operator


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
