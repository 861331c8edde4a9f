"""Filter bodies of the /filter, /count and /paginate endpoints.

Pure data, field for field as the reference API defines them (unknown keys are
rejected). Each storage plugin translates them into queries; `*_` suffixes
follow the reference: `any_` (one of), `all_` (contains all), `like_`
(substring), `before_`/`after_` (inclusive bounds), `is_null_`.

One module per resource; this package re-exports them all.
"""

from prefect_core.schemas.filters.base import Operator, FilterModel
from prefect_core.schemas.filters.deployments import DeploymentOrFlowNameFilter, DeploymentFilterConcurrencyLimit, DeploymentFilterId, DeploymentFilterName, DeploymentFilterPaused, DeploymentFilterTags, DeploymentFilterWorkQueueName, DeploymentFilter
from prefect_core.schemas.filters.flows import FlowFilterDeployment, FlowFilterId, FlowFilterName, FlowFilterTags, FlowFilter
from prefect_core.schemas.filters.flow_runs import FlowRunFilterCreatedBy, FlowRunFilterDeploymentId, FlowRunFilterEndTime, FlowRunFilterExpectedStartTime, FlowRunFilterFlowVersion, FlowRunFilterId, FlowRunFilterIdempotencyKey, FlowRunFilterName, FlowRunFilterNextScheduledStartTime, FlowRunFilterParentFlowRunId, FlowRunFilterParentTaskRunId, FlowRunFilterStartTime, FlowRunFilterStateName, FlowRunFilterStateType, FlowRunFilterState, FlowRunFilterTags, FlowRunFilterWorkQueueName, FlowRunFilter
from prefect_core.schemas.filters.logs import LogFilterFlowRunId, LogFilterLevel, LogFilterTaskRunId, LogFilterTextSearch, LogFilterTimestamp, LogFilter
from prefect_core.schemas.filters.task_runs import TaskRunFilterEndTime, TaskRunFilterExpectedStartTime, TaskRunFilterFlowRunId, TaskRunFilterId, TaskRunFilterName, TaskRunFilterStartTime, TaskRunFilterStateName, TaskRunFilterStateType, TaskRunFilterState, TaskRunFilterSubFlowRuns, TaskRunFilterTags, TaskRunFilter
from prefect_core.schemas.filters.work_pools import WorkPoolFilterId, WorkPoolFilterName, WorkPoolFilterType, WorkPoolFilter, WorkQueueFilterId, WorkQueueFilterName, WorkQueueFilter, WorkerFilterLastHeartbeatTime, WorkerFilterStatus, WorkerFilter

__all__ = [
    "DeploymentFilter",
    "DeploymentFilterConcurrencyLimit",
    "DeploymentFilterId",
    "DeploymentFilterName",
    "DeploymentFilterPaused",
    "DeploymentFilterTags",
    "DeploymentFilterWorkQueueName",
    "DeploymentOrFlowNameFilter",
    "FilterModel",
    "FlowFilter",
    "FlowFilterDeployment",
    "FlowFilterId",
    "FlowFilterName",
    "FlowFilterTags",
    "FlowRunFilter",
    "FlowRunFilterCreatedBy",
    "FlowRunFilterDeploymentId",
    "FlowRunFilterEndTime",
    "FlowRunFilterExpectedStartTime",
    "FlowRunFilterFlowVersion",
    "FlowRunFilterId",
    "FlowRunFilterIdempotencyKey",
    "FlowRunFilterName",
    "FlowRunFilterNextScheduledStartTime",
    "FlowRunFilterParentFlowRunId",
    "FlowRunFilterParentTaskRunId",
    "FlowRunFilterStartTime",
    "FlowRunFilterState",
    "FlowRunFilterStateName",
    "FlowRunFilterStateType",
    "FlowRunFilterTags",
    "FlowRunFilterWorkQueueName",
    "LogFilter",
    "LogFilterFlowRunId",
    "LogFilterLevel",
    "LogFilterTaskRunId",
    "LogFilterTextSearch",
    "LogFilterTimestamp",
    "Operator",
    "TaskRunFilter",
    "TaskRunFilterEndTime",
    "TaskRunFilterExpectedStartTime",
    "TaskRunFilterFlowRunId",
    "TaskRunFilterId",
    "TaskRunFilterName",
    "TaskRunFilterStartTime",
    "TaskRunFilterState",
    "TaskRunFilterStateName",
    "TaskRunFilterStateType",
    "TaskRunFilterSubFlowRuns",
    "TaskRunFilterTags",
    "WorkPoolFilter",
    "WorkPoolFilterId",
    "WorkPoolFilterName",
    "WorkPoolFilterType",
    "WorkQueueFilter",
    "WorkQueueFilterId",
    "WorkQueueFilterName",
    "WorkerFilter",
    "WorkerFilterLastHeartbeatTime",
    "WorkerFilterStatus",
]
