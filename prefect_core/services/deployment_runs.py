"""Runs and schedules of a deployment: create a run, feed a runner, edit schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from prefect_core import schema_hydration, timeutil
from prefect_core.errors import BadRequest, Conflict, NotFound
from prefect_core.events.status_events import deployment_status_events
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.deployments import Deployment, DeploymentFlowRunCreate
from prefect_core.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterNextScheduledStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect_core.schemas.runs import CreatedBy, FlowRun
from prefect_core.schemas.schedules import DeploymentSchedule, DeploymentScheduleCreate, DeploymentScheduleUpdate
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.states import State, StateDetails, StateType
from prefect_core.services import schema_checks
from prefect_core.services import work_pool_lookups as lookups
from prefect_core.services.deployments import replace_future_runs, schedules_from
from prefect_core.services.orchestration import OrchestrationService
from prefect_core.services.scheduling.runs import Horizon, deployment_run_labels, scheduled_runs

_FROM_DEPLOYMENT = {
    "state",
    "parameters",
    "tags",
    "infrastructure_document_id",
    "work_queue_name",
    "enforce_parameter_schema",
    "labels",
    "job_variables",
}


class _RenderFirst(Exception):
    """Leaves a run creation's transaction, before anything is written, to render the
    deployment's templates outside it."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__("templates to render first")
        self.values = values


async def _deployment(uow: UnitOfWork, deployment_id: UUID, detail: str = "Deployment not found") -> Deployment:
    deployment = await uow.deployments.get(deployment_id)
    if deployment is None:
        raise NotFound(detail)
    return deployment


async def _check_run_against_schemas(
    uow: UnitOfWork, deployment: Deployment, body: DeploymentFlowRunCreate, parameters: dict[str, Any]
) -> None:
    """A run's parameters against the deployment's schema (when enforced: the run's say,
    else the deployment's), then its job variables against its work pool's template."""
    enforce = (
        deployment.enforce_parameter_schema if body.enforce_parameter_schema is None else body.enforce_parameter_schema
    )
    if enforce:
        schema_checks.check_parameters(
            parameters, deployment.parameter_openapi_schema, prefix="Error creating flow run", ignore_required=False
        )
    if deployment.work_pool_name:
        pool = await uow.work_pools.get_by_name(deployment.work_pool_name)
        if pool is not None:
            schema_checks.check_job_variables(
                pool,
                deployment.job_variables,
                body.job_variables,
                prefix="Error creating flow run",
                ignore_required=False,
            )


class DeploymentRunService:
    def __init__(self, storage: Storage, orchestration: OrchestrationService, horizon: Horizon | None = None) -> None:
        self.storage = storage
        self.orchestration = orchestration
        self.horizon = horizon or Horizon()

    async def create_flow_run(
        self, deployment_id: UUID, body: DeploymentFlowRunCreate, created_by: CreatedBy | None = None
    ) -> tuple[FlowRun, bool]:
        """A run of the deployment: its parameters under the body's, its tags plus
        the body's, in its queue (or the named queue of its pool). SCHEDULED for
        now unless the body gives a state. An idempotency key already used for the
        flow returns that run. True when created now."""
        # The request's templates render before the transaction, which so never waits on one;
        # the deployment's own are known only inside it: the first attempt then gives up
        # before writing anything, renders them, and tries again.
        rendered: dict[str, str | schema_hydration.HydrationFailed] = (
            await schema_hydration.prerender(body.parameters) if body.parameters else {}
        )
        try:
            return await self._create_flow_run(deployment_id, body, created_by, rendered, last_attempt=False)
        except _RenderFirst as pending:
            rendered.update(await schema_hydration.prerender(pending.values))
        return await self._create_flow_run(deployment_id, body, created_by, rendered, last_attempt=True)

    async def _create_flow_run(
        self,
        deployment_id: UUID,
        body: DeploymentFlowRunCreate,
        created_by: CreatedBy | None,
        rendered: schema_hydration.Rendered,
        last_attempt: bool,
    ) -> tuple[FlowRun, bool]:
        now = timeutil.now()
        async with self.orchestration.write() as tx:
            uow = tx.uow
            deployment = await _deployment(uow, deployment_id)
            merged = {**deployment.parameters, **body.parameters}
            if not last_attempt and schema_hydration.unrendered(merged, rendered):
                raise _RenderFirst(merged)
            parameters = await schema_checks.hydrated(uow, merged, "Error hydrating flow run parameters", rendered)
            await _check_run_against_schemas(uow, deployment, body, parameters)
            queue_id, queue_name = deployment.work_queue_id, deployment.work_queue_name
            if body.work_queue_name:
                if deployment.work_pool_name is None:
                    raise BadRequest(
                        f"Cannot create flow run in work queue {body.work_queue_name} because deployment "
                        f"{deployment_id} is not associated with a work pool. Please remove work_pool_name and try again."
                    )
                queue = await lookups.queue_by_name(uow, deployment.work_pool_name, body.work_queue_name, create=True)
                queue_id, queue_name = queue.id, queue.name
            run = FlowRun(
                **body.model_dump(exclude=_FROM_DEPLOYMENT),
                flow_id=deployment.flow_id,
                deployment_id=deployment.id,
                deployment_version=deployment.version,
                parameters=parameters,
                tags=list(dict.fromkeys([*deployment.tags, *body.tags])),
                labels=deployment_run_labels(deployment, body.labels),
                infrastructure_document_id=body.infrastructure_document_id or deployment.infrastructure_document_id,
                work_queue_name=queue_name,
                work_queue_id=queue_id,
                job_variables=body.job_variables or {},
                created_by=created_by,
            )
            if body.state is not None:
                state = State.from_create(body.state, timestamp=now)
            else:
                state = State(type=StateType.SCHEDULED, timestamp=now, state_details=StateDetails(scheduled_time=now))
            stored = await uow.flow_runs.insert(run)
            created = stored.id == run.id
            if created:
                # The run as written: nothing to read back.
                stored = await self.orchestration.initial_flow_run_state(tx, stored, state)
        return stored, created

    async def runs_for_runner(
        self, deployment_ids: list[UUID], before: dt.datetime | None, limit: int
    ) -> list[FlowRun]:
        """Scheduled runs of these deployments due by `before`, earliest first; marks them polled."""
        query = RunFilterBody(
            deployments=DeploymentFilter(id=DeploymentFilterId(any_=deployment_ids)),
            flow_runs=FlowRunFilter(
                next_scheduled_start_time=FlowRunFilterNextScheduledStartTime(before_=before),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            ),
        )
        async with self.storage.read() as uow:
            runs = await uow.flow_runs.filter(query, FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC, 0, limit)
        if deployment_ids:
            async with self.storage.write() as uow:
                ready = await uow.deployments.mark_polled(timeutil.now(), deployment_ids=deployment_ids)
                changed = await deployment_status_events(uow, ready, "READY")
            await self.orchestration.events.emit(changed)
        return runs

    async def schedule_runs(
        self,
        deployment_id: UUID,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        min_time: dt.timedelta | None = None,
        min_runs: int | None = None,
        max_runs: int | None = None,
    ) -> list[UUID]:
        """Insert the runs the deployment's active schedules call for (idempotent)."""
        h = self.horizon
        start = start or timeutil.now()
        async with self.storage.write() as uow:
            deployment = await uow.deployments.get(deployment_id)
            if deployment is None:
                return []
            schedules = await uow.deployment_schedules.list(deployment_id, active_only=True)
            runs = scheduled_runs(
                deployment,
                schedules,
                start=start,
                end=end or start + h.max_time,
                min_time=h.min_time if min_time is None else min_time,
                min_runs=h.min_runs if min_runs is None else min_runs,
                max_runs=h.max_runs if max_runs is None else max_runs,
            )
            return await uow.scheduled_runs.insert_many(runs)

    # --- schedules -----------------------------------------------------------

    async def schedules(self, deployment_id: UUID) -> list[DeploymentSchedule]:
        async with self.storage.read() as uow:
            await _deployment(uow, deployment_id, "Deployment not found.")
            return await uow.deployment_schedules.list(deployment_id)

    async def add_schedules(
        self, deployment_id: UUID, bodies: list[DeploymentScheduleCreate]
    ) -> list[DeploymentSchedule]:
        async with self.storage.write() as uow:
            await _deployment(uow, deployment_id, "Deployment not found.")
            existing = {s.slug for s in await uow.deployment_schedules.list(deployment_id) if s.slug}
            slugs = [b.slug for b in bodies if b.slug]
            if len(slugs) != len(set(slugs)) or existing & set(slugs):
                raise Conflict("Schedule slugs must be unique within a deployment.")
            schedules = schedules_from(deployment_id, bodies)
            await uow.deployment_schedules.insert_many(deployment_id, schedules)
            await uow.deployments.update(deployment_id, {})  # "updated": the scheduler looks soon
            stored = {s.id: s for s in await uow.deployment_schedules.list(deployment_id)}
        return [stored[s.id] for s in schedules]

    async def update_schedule(self, deployment_id: UUID, schedule_id: UUID, body: DeploymentScheduleUpdate) -> None:
        async with self.storage.write() as uow:
            await _deployment(uow, deployment_id, "Deployment not found.")
            values = body.model_dump(mode="json", exclude_none=True, exclude={"replaces"})
            if not await uow.deployment_schedules.update(deployment_id, schedule_id, values):
                raise NotFound("Schedule not found.")
            await replace_future_runs(uow, deployment_id)
            await uow.deployments.update(deployment_id, {})

    async def delete_schedule(self, deployment_id: UUID, schedule_id: UUID) -> None:
        async with self.storage.write() as uow:
            await _deployment(uow, deployment_id, "Deployment not found.")
            if not await uow.deployment_schedules.delete(deployment_id, schedule_id):
                raise NotFound("Schedule not found.")
            await uow.scheduled_runs.delete_unstarted(deployment_id, auto_scheduled_only=True, after=None)
