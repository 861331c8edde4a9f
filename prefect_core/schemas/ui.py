"""What the `/ui/*` helper endpoints take and answer (the dashboard's and lists' summaries)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from prefect_core.schemas import filters as f
from prefect_core.schemas.base import DateTime, PrefectModel
from prefect_core.schemas.bodies.base import MAX_OFFSET, EmbeddedBody
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.runs import TaskRun
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.states import StateType

#: At most this many ids per request, as the reference allows.
MAX_IDS = 200
#: The largest history page.
MAX_HISTORY = 1000
#: The dashboard's task-run chart has this many time buckets.
DASHBOARD_BUCKETS = 20


class FlowIdsBody(EmbeddedBody):
    flow_ids: list[UUID] = Field(max_length=MAX_IDS)


class FlowRunIdsBody(EmbeddedBody):
    flow_run_ids: list[UUID] = Field(max_length=MAX_IDS)


class FlowRunHistoryQuery(RunFilterBody):
    """`POST /ui/flow_runs/history`."""

    sort: FlowRunSort = FlowRunSort.EXPECTED_START_TIME_DESC
    limit: int = Field(default=MAX_HISTORY, ge=0, le=MAX_HISTORY)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class DashboardCountsBody(RunFilterBody):
    """`POST /ui/task_runs/dashboard/counts`: `task_runs.start_time.after_` is required.
    The queue filter is named `work_queues` here, as the reference names it."""

    task_runs: f.TaskRunFilter
    work_queues: f.WorkQueueFilter | None = None


class SimpleFlowRun(PrefectModel):
    id: UUID
    state_type: StateType | None = None
    #: The run's start, or its expected start if it has not started.
    timestamp: DateTime | None = None
    duration: float = 0.0
    lateness: float = 0.0


class SimpleNextFlowRun(PrefectModel):
    id: UUID
    flow_id: UUID
    name: str
    state_name: str
    state_type: StateType
    next_scheduled_start_time: DateTime


class TaskRunCount(PrefectModel):
    completed: int = 0
    failed: int = 0


class CountByState(PrefectModel):
    """Task runs per state type (every type present, zero or not)."""

    COMPLETED: int = 0
    PENDING: int = 0
    RUNNING: int = 0
    FAILED: int = 0
    CANCELLED: int = 0
    CRASHED: int = 0
    PAUSED: int = 0
    CANCELLING: int = 0
    SCHEDULED: int = 0


class UITaskRun(TaskRun):
    """A task run with its flow run's name."""

    flow_run_name: str | None = None


class SchemaValuesBody(BaseModel):
    """Body of `POST /ui/schemas/validate`: a JSON schema and the values to check against it."""

    model_config = ConfigDict(populate_by_name=True)

    json_schema: dict[str, Any] = Field(alias="schema")
    values: dict[str, Any]


class SchemaValuesValidation(BaseModel):
    """Its answer: the failures, nested by property and index, and whether there were none."""

    errors: list[Any]
    valid: bool
