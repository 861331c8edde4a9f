"""Repository and unit-of-work protocols: what the core needs from storage.

A storage plugin implements these; the use cases in `prefect_core.services`
depend only on them. Every repository method runs inside the unit of work
that created it, so a use case's reads and writes commit or roll back as one.
One module per resource; this package re-exports them all.
"""

from prefect_core.ports.artifacts import ArtifactCollectionRepository, ArtifactRepository
from prefect_core.ports.automations import AutomationBucketRepository, AutomationRepository, Bucket
from prefect_core.ports.blocks import BlockDocumentRepository, BlockSchemaRepository, BlockTypeRepository
from prefect_core.ports.concurrency_limits import ConcurrencyLeaseRepository, ConcurrencyLimitRepository, SlotWaits
from prefect_core.ports.csrf_tokens import CsrfTokenRepository
from prefect_core.ports.deployments import DeploymentRepository, DeploymentScheduleRepository
from prefect_core.ports.events import EventBroker, EventRepository
from prefect_core.ports.flow_run_inputs import FlowRunInputRepository
from prefect_core.ports.flow_run_relatives import FlowRunRelatives, FlowRunRelativesRepository, Relative
from prefect_core.ports.flow_runs import FlowRunRepository, FlowRunStartRepository, RunStart
from prefect_core.ports.flows import FlowRepository
from prefect_core.ports.logs import LogRepository
from prefect_core.ports.observed_states import ObservedStateRepository
from prefect_core.ports.outbound_http import OutboundHttp, OutboundHttpError, OutboundRequest, OutboundResponse
from prefect_core.ports.run_filters import DeploymentFilters, RunFilters
from prefect_core.ports.saved_searches import SavedSearchRepository
from prefect_core.ports.states import StateRepository
from prefect_core.ports.storage import Storage, StorageBackend, StorageBackendFactory, UnitOfWork
from prefect_core.ports.task_runs import CacheRepository, TaskRunRepository
from prefect_core.ports.ui_queries import UiQueryRepository
from prefect_core.ports.variables import VariableRepository
from prefect_core.ports.work_pools import (
    ClaimedRun,
    ScheduledRunRepository,
    WorkerRepository,
    WorkerRunQuery,
    WorkPoolRepository,
    WorkQueueRepository,
)

__all__ = [
    "ArtifactCollectionRepository",
    "ArtifactRepository",
    "AutomationBucketRepository",
    "AutomationRepository",
    "BlockDocumentRepository",
    "BlockSchemaRepository",
    "BlockTypeRepository",
    "Bucket",
    "CacheRepository",
    "ClaimedRun",
    "ConcurrencyLeaseRepository",
    "ConcurrencyLimitRepository",
    "CsrfTokenRepository",
    "DeploymentFilters",
    "DeploymentRepository",
    "DeploymentScheduleRepository",
    "EventBroker",
    "EventRepository",
    "FlowRepository",
    "FlowRunInputRepository",
    "FlowRunRelatives",
    "FlowRunRelativesRepository",
    "FlowRunRepository",
    "FlowRunStartRepository",
    "LogRepository",
    "ObservedStateRepository",
    "OutboundHttp",
    "OutboundHttpError",
    "OutboundRequest",
    "OutboundResponse",
    "Relative",
    "RunFilters",
    "RunStart",
    "SavedSearchRepository",
    "ScheduledRunRepository",
    "SlotWaits",
    "StateRepository",
    "Storage",
    "StorageBackend",
    "StorageBackendFactory",
    "TaskRunRepository",
    "UiQueryRepository",
    "UnitOfWork",
    "VariableRepository",
    "WorkPoolRepository",
    "WorkQueueRepository",
    "WorkerRepository",
    "WorkerRunQuery",
]
