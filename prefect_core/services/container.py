"""All use cases, wired to one storage and one event sink."""

from __future__ import annotations

from prefect_core.automations.runtime import AutomationRuntime
from prefect_core.events.memory_broker import MemoryBroker
from prefect_core.ports import EventBroker, OutboundHttp, Storage
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.services.artifacts import ArtifactService
from prefect_core.services.automations import AutomationService
from prefect_core.services.block_documents import BlockDocumentService
from prefect_core.services.blocks import BlockSchemaService, BlockTypeService
from prefect_core.services.concurrency_limits import ConcurrencyLimitService
from prefect_core.services.csrf_tokens import CsrfTokenService
from prefect_core.services.deployment_runs import DeploymentRunService
from prefect_core.services.deployments import DeploymentService
from prefect_core.services.events import EventService
from prefect_core.services.events_sink import DiscardingSink, EventSink
from prefect_core.services.flow_run_bulk import BulkService
from prefect_core.services.flow_run_graph import FlowRunGraphService
from prefect_core.services.flow_run_inputs import FlowRunInputService
from prefect_core.services.flow_run_logs import FlowRunLogService
from prefect_core.services.flow_run_resume import FlowRunResumeService
from prefect_core.services.flow_runs import FlowRunService
from prefect_core.services.flows import FlowService
from prefect_core.services.logs import LogService
from prefect_core.services.observed_states import ObservedStateService
from prefect_core.services.orchestration import OrchestrationService
from prefect_core.services.saved_searches import SavedSearchService
from prefect_core.services.system_blocks import SystemBlockService
from prefect_core.services.tag_concurrency_limits import TagConcurrencyLimitService
from prefect_core.services.task_runs import TaskRunService
from prefect_core.services.task_worker_tracker import TaskWorkerTracker
from prefect_core.services.task_workers import TaskWorkerService
from prefect_core.services.ui import UiService
from prefect_core.services.variables import VariableService
from prefect_core.services.work_pool_status import WorkPoolStatusService
from prefect_core.services.work_pools import WorkPoolService
from prefect_core.services.workers import WorkerService
from prefect_core.settings import Settings


class Services:
    """The application's use cases. Built once per app; cheap to build in tests."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        events: EventSink | None = None,
        broker: EventBroker | None = None,
        http: OutboundHttp | None = None,
    ) -> None:
        self.storage = storage
        #: Calls to other servers (webhooks, notifications); None where the app wired none.
        self.http = http
        self.settings = settings
        self.events: EventSink = events or DiscardingSink()
        self.event_service = EventService(storage, self.events, broker or MemoryBroker())
        self.task_workers = TaskWorkerService(storage)
        waits = SlotWaits(settings.tag_concurrency_slot_wait_seconds, settings.maximum_concurrency_slot_wait_seconds)
        self.orchestration = OrchestrationService(
            storage,
            self.events,
            self.task_workers,
            waits,
            deployment_slot_wait_seconds=settings.deployment_concurrency_slot_wait_seconds,
            deployment_lease_seconds=settings.initial_deployment_lease_duration,
            related_resource_cache_seconds=settings.events_related_resource_cache_ttl.total_seconds(),
        )
        self.flows = FlowService(storage)
        self.flow_runs = FlowRunService(storage, self.orchestration)
        self.task_runs = TaskRunService(storage, self.orchestration)
        self.logs = LogService(storage, publish=settings.logs_stream_publishing_enabled)
        # deployments and work pools
        self.deployments = DeploymentService(storage, self.events)
        self.deployment_runs = DeploymentRunService(storage, self.orchestration)
        self.work_pools = WorkPoolService(storage, self.events)
        self.workers = WorkerService(storage, events=self.events)
        self.work_pool_status = WorkPoolStatusService(storage)
        # flows and flow runs in bulk; flow run inputs, resume, graphs, log download
        self.bulk = BulkService(storage, self.orchestration)
        self.flow_run_inputs = FlowRunInputService(storage)
        self.observed_states = ObservedStateService(storage)
        self.flow_run_resume = FlowRunResumeService(storage, self.orchestration)
        self.flow_run_graph = FlowRunGraphService(storage)
        self.flow_run_logs = FlowRunLogService(storage)
        self.csrf_tokens = CsrfTokenService(storage, settings.csrf_token_expiration)
        self.ui = UiService(storage)
        self.task_worker_tracker = TaskWorkerTracker()
        # global concurrency limits and leases
        self.concurrency_limits = ConcurrencyLimitService(storage, self.events, waits)
        self.tag_concurrency_limits = TagConcurrencyLimitService(storage, self.concurrency_limits)
        # blocks
        self.block_types = BlockTypeService(storage, self.events)
        self.block_schemas = BlockSchemaService(storage)
        key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
        self.block_documents = BlockDocumentService(storage, self.events, key)
        self.system_blocks = SystemBlockService(storage)
        self.variables = VariableService(storage, self.events)
        self.artifacts = ArtifactService(storage, self.events)
        self.saved_searches = SavedSearchService(storage)
        # automations
        self.automations = AutomationService(storage, self.events)
        # Reactive triggers are part of the TRIGGERS service, as in the reference.
        self.automation_runtime = AutomationRuntime(self, reactive=settings.service_enabled("triggers"))
