"""The unit of work, the storage and the backend that opens it."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar, Protocol

from prefect_core.ports.artifacts import ArtifactCollectionRepository, ArtifactRepository
from prefect_core.ports.automations import AutomationBucketRepository, AutomationRepository
from prefect_core.ports.blocks import BlockDocumentRepository, BlockSchemaRepository, BlockTypeRepository
from prefect_core.ports.concurrency_limits import ConcurrencyLeaseRepository, ConcurrencyLimitRepository
from prefect_core.ports.csrf_tokens import CsrfTokenRepository
from prefect_core.ports.deployments import DeploymentRepository, DeploymentScheduleRepository
from prefect_core.ports.events import EventRepository
from prefect_core.ports.flow_run_inputs import FlowRunInputRepository
from prefect_core.ports.flow_run_relatives import FlowRunRelativesRepository
from prefect_core.ports.flow_runs import FlowRunRepository, FlowRunStartRepository
from prefect_core.ports.flows import FlowRepository
from prefect_core.ports.logs import LogRepository
from prefect_core.ports.observed_states import ObservedStateRepository
from prefect_core.ports.saved_searches import SavedSearchRepository
from prefect_core.ports.states import StateRepository
from prefect_core.ports.task_runs import CacheRepository, TaskRunRepository
from prefect_core.ports.ui_queries import UiQueryRepository
from prefect_core.ports.variables import VariableRepository
from prefect_core.ports.work_pools import (
    ScheduledRunRepository,
    WorkerRepository,
    WorkPoolRepository,
    WorkQueueRepository,
)


class UnitOfWork(Protocol):
    """One transaction and the repositories bound to it."""

    flows: FlowRepository
    flow_runs: FlowRunRepository
    task_runs: TaskRunRepository
    flow_run_states: StateRepository
    task_run_states: StateRepository
    task_cache: CacheRepository
    logs: LogRepository
    events: EventRepository
    deployments: DeploymentRepository
    deployment_schedules: DeploymentScheduleRepository
    scheduled_runs: ScheduledRunRepository
    work_pools: WorkPoolRepository
    work_queues: WorkQueueRepository
    workers: WorkerRepository
    flow_run_inputs: FlowRunInputRepository
    observed_states: ObservedStateRepository
    flow_run_starts: FlowRunStartRepository
    flow_run_relatives: FlowRunRelativesRepository
    csrf_tokens: CsrfTokenRepository
    ui_queries: UiQueryRepository
    concurrency_limits: ConcurrencyLimitRepository
    concurrency_leases: ConcurrencyLeaseRepository
    block_types: BlockTypeRepository
    block_schemas: BlockSchemaRepository
    block_documents: BlockDocumentRepository
    variables: VariableRepository
    artifacts: ArtifactRepository
    artifact_collections: ArtifactCollectionRepository
    saved_searches: SavedSearchRepository
    automations: AutomationRepository
    automation_buckets: AutomationBucketRepository


class Storage(Protocol):
    """An open connection to a database."""

    def read(self, *, one_query: bool = False) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only unit of work (a consistent snapshot where the backend offers one).

        `one_query`: the caller runs a single query in it (one repository call that is
        one statement), which is consistent by itself, so a backend may skip setting up a
        snapshot around it (PostgreSQL: no transaction, one round trip). Should it run more,
        they still see one snapshot from the second on.
        """
        ...

    def write(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-write unit of work: commits when the block exits normally, rolls back on error.

        Backends serialise or lock as they must so that two concurrent writers never
        lose an update; callers never see 'database is locked'.
        """
        ...

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        ...

    def describe(self) -> dict[str, Any]:
        """What /admin/settings may show about this storage (no secrets)."""
        ...


class StorageBackend(Protocol):
    """A database configured by its plugin's own settings, not yet connected."""

    def open(self) -> AbstractAsyncContextManager[Storage]:
        """Connect, apply pending migrations, yield the storage, and close it on exit.

        Raises `ConfigurationError` (one line) when the database cannot be used as configured.
        """
        ...


class StorageBackendFactory(Protocol):
    """What a storage plugin's hook returns (usually the backend class itself)."""

    #: The name users select with PREFECT_DATABASE_BACKEND (e.g. "sqlite", "postgres").
    scheme: ClassVar[str]
    #: Other names accepted for it (e.g. "postgresql"); may be empty.
    aliases: ClassVar[tuple[str, ...]]

    def from_environ(self, environ: Mapping[str, str]) -> StorageBackend:
        """The backend configured from environment variables it declares and reads
        itself (a `prefect_core.settings.EnvironSettings` subclass of the plugin's).
        Raises `ConfigurationError` naming the variable when a value is invalid."""
        ...
