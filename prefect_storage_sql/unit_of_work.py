"""One connection, one transaction, and the repositories bound to it."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncConnection

from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.repositories.events import SqlEventRepository
from prefect_storage_sql.repositories.flow_runs import SqlFlowRunRepository
from prefect_storage_sql.repositories.flows import SqlFlowRepository
from prefect_storage_sql.repositories.logs import SqlLogRepository
from prefect_storage_sql.repositories.states import SqlStateRepository, SqlTaskCacheRepository
from prefect_storage_sql.repositories.task_runs import SqlTaskRunRepository
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.deployments import SqlDeploymentRepository, SqlDeploymentScheduleRepository
from prefect_storage_sql.repositories.scheduled_runs import SqlScheduledRunRepository
from prefect_storage_sql.repositories.work_pools import (
    SqlWorkerRepository,
    SqlWorkPoolRepository,
    SqlWorkQueueRepository,
)
from prefect_storage_sql.repositories.flow_run_inputs import SqlFlowRunInputRepository
from prefect_storage_sql.repositories.flow_run_starts import SqlFlowRunStartRepository
from prefect_storage_sql.repositories.concurrency_leases import SqlConcurrencyLeaseRepository
from prefect_storage_sql.repositories.concurrency_limits import SqlConcurrencyLimitRepository


class SqlUnitOfWork:
    """Implements `prefect_core.ports.UnitOfWork`; repositories are built on first use."""

    def __init__(self, conn: AsyncConnection, support: SqlDialectSupport) -> None:
        self.conn = conn
        self.support = support

    @cached_property
    def flows(self) -> SqlFlowRepository:
        return SqlFlowRepository(self.conn, self.support)

    @cached_property
    def flow_runs(self) -> SqlFlowRunRepository:
        return SqlFlowRunRepository(self.conn, self.support)

    @cached_property
    def task_runs(self) -> SqlTaskRunRepository:
        return SqlTaskRunRepository(self.conn, self.support)

    @cached_property
    def flow_run_states(self) -> SqlStateRepository:
        return SqlStateRepository(self.conn, self.support, tables.flow_run_state, tables.flow_run)

    @cached_property
    def task_run_states(self) -> SqlStateRepository:
        return SqlStateRepository(self.conn, self.support, tables.task_run_state, tables.task_run)

    @cached_property
    def task_cache(self) -> SqlTaskCacheRepository:
        return SqlTaskCacheRepository(self.conn, self.support)

    @cached_property
    def logs(self) -> SqlLogRepository:
        return SqlLogRepository(self.conn, self.support)

    @cached_property
    def events(self) -> SqlEventRepository:
        return SqlEventRepository(self.conn, self.support)

    @cached_property
    def deployments(self) -> SqlDeploymentRepository:
        return SqlDeploymentRepository(self.conn, self.support)

    @cached_property
    def deployment_schedules(self) -> SqlDeploymentScheduleRepository:
        return SqlDeploymentScheduleRepository(self.conn, self.support)

    @cached_property
    def scheduled_runs(self) -> SqlScheduledRunRepository:
        return SqlScheduledRunRepository(self.conn, self.support)

    @cached_property
    def work_pools(self) -> SqlWorkPoolRepository:
        return SqlWorkPoolRepository(self.conn, self.support)

    @cached_property
    def work_queues(self) -> SqlWorkQueueRepository:
        return SqlWorkQueueRepository(self.conn, self.support)

    @cached_property
    def workers(self) -> SqlWorkerRepository:
        return SqlWorkerRepository(self.conn, self.support)

    @cached_property
    def flow_run_inputs(self) -> SqlFlowRunInputRepository:
        return SqlFlowRunInputRepository(self.conn, self.support)

    @cached_property
    def flow_run_starts(self) -> SqlFlowRunStartRepository:
        return SqlFlowRunStartRepository(self.conn, self.support)

    @cached_property
    def concurrency_limits(self) -> SqlConcurrencyLimitRepository:
        return SqlConcurrencyLimitRepository(self.conn, self.support)

    @cached_property
    def concurrency_leases(self) -> SqlConcurrencyLeaseRepository:
        return SqlConcurrencyLeaseRepository(self.conn, self.support)
