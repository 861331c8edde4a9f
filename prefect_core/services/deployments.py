"""Deployment use cases: create (an upsert), read, query, update, delete, pause."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect_core import schema_hydration, timeutil
from prefect_core.errors import Conflict, InvalidInput, NotFound
from prefect_core.events.lifecycle_events import DEPLOYMENT_EVENT_FIELDS, changed_fields, deployment_event
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.bodies.queries import DeploymentPage, DeploymentQuery, RunFilterBody, page_count
from prefect_core.schemas.deployments import (
    Deployment,
    DeploymentCreate,
    DeploymentStatus,
    DeploymentUpdate,
)
from prefect_core.schemas.events import Event
from prefect_core.schemas.runs import CreatedBy
from prefect_core.schemas.schedules import DeploymentSchedule, DeploymentScheduleCreate, DeploymentScheduleUpdate
from prefect_core.services import schema_checks
from prefect_core.services import work_pool_lookups as lookups
from prefect_core.services.deployment_limits import (
    LIMIT_FIELDS,
    apply_limit_fields,
    delete_own_limit,
    ensure_limit_exists,
)
from prefect_core.services.events_sink import DiscardingSink, EventSink

#: Create-body fields that are not stored as given (the limits: `deployment_limits`).
_NOT_COPIED = {"schedules", "work_pool_name", "version_info", *LIMIT_FIELDS}

NOT_FOUND = "Deployment not found"


def _integrity_conflict() -> Conflict:
    # What the reference answers when a foreign key (here: the flow) is missing.
    return Conflict(
        "Data integrity conflict. This usually means a unique or foreign key constraint "
        "was violated. See server logs for details."
    )


async def resolve_queue(
    uow: UnitOfWork, pool_name: str | None, queue_name: str | None
) -> tuple[UUID | None, str | None] | None:
    """(work_queue_id, work_queue_name) for a deployment's pool/queue names, creating
    a named queue on demand; None when neither name is given."""
    if pool_name and queue_name:
        queue = await lookups.queue_by_name(uow, pool_name, queue_name, create=True)
    elif pool_name:
        queue = await lookups.default_queue(uow, pool_name)
    elif queue_name:
        queue = await lookups.legacy_queue(uow, queue_name)
    else:
        return None
    return queue.id, queue.name


def schedules_from(deployment_id: UUID, bodies: list[DeploymentScheduleCreate]) -> list[DeploymentSchedule]:
    return [
        DeploymentSchedule(
            deployment_id=deployment_id,
            **body.model_dump(exclude={"replaces", "schedule"}),
            schedule=body.schedule,
        )
        for body in bodies
    ]


async def replace_future_runs(uow: UnitOfWork, deployment_id: UUID) -> None:
    """Drop the future auto-scheduled runs of a changed deployment (the scheduler remakes them)."""
    await uow.scheduled_runs.delete_unstarted(deployment_id, auto_scheduled_only=True, after=timeutil.now())


class DeploymentService:
    def __init__(self, storage: Storage, events: EventSink | None = None) -> None:
        self.storage = storage
        #: Where `prefect.deployment.created` / `.updated` / `.deleted` go.
        self.events: EventSink = events or DiscardingSink()

    async def create(self, body: DeploymentCreate, created_by: CreatedBy | None = None) -> tuple[Deployment, bool]:
        """Create a deployment, or update the one with the same (flow, name).
        Its schedules are replaced and its future auto-scheduled runs dropped."""
        given = body.model_dump(exclude_unset=True)
        _check_unique_slugs([s.slug for s in body.schedules])
        async with self.storage.write() as uow:
            flow = await uow.flows.get(body.flow_id)
            if flow is None:
                raise _integrity_conflict()
            if body.work_pool_name and body.work_pool_name != lookups.DEFAULT_AGENT_POOL:
                pool = await lookups.pool_by_name(uow, body.work_pool_name)
                if body.job_variables:
                    schema_checks.check_job_variables(
                        pool, body.job_variables, prefix="Error creating deployment", ignore_required=True
                    )
            await ensure_limit_exists(uow, body.global_concurrency_limit_id)
            data = body.model_dump(exclude=_NOT_COPIED)
            if data.get("pull_steps") is None:
                data["pull_steps"] = []  # the reference answers [] when none were given
            fields = set(given) - _NOT_COPIED
            queue = await resolve_queue(uow, body.work_pool_name, body.work_queue_name)
            if queue is not None:
                data["work_queue_id"], data["work_queue_name"] = queue
                fields |= {"work_queue_id", "work_queue_name"}
            data["labels"] = {**(flow.labels or {}), "prefect.flow.id": str(flow.id), **(body.labels or {})}
            fields |= {"labels", "updated_by"}
            candidate = Deployment(**data, created_by=created_by, status=DeploymentStatus.NOT_READY)
            before = await uow.deployments.get_by_name(flow.name, body.name)
            stored, created = await uow.deployments.upsert(candidate, fields)
            await apply_limit_fields(uow, stored, given)
            await replace_future_runs(uow, stored.id)
            await uow.deployment_schedules.delete_all(stored.id)
            await uow.deployment_schedules.insert_many(stored.id, schedules_from(stored.id, body.schedules))
            result = await uow.deployments.get(stored.id)
            assert result is not None
            event = await _lifecycle_event(uow, before, result)
        await self.events.emit([event] if event else [])
        return result, created

    async def read(self, deployment_id: UUID) -> Deployment:
        async with self.storage.read() as uow:
            deployment = await uow.deployments.get(deployment_id)
        if deployment is None:
            raise NotFound(NOT_FOUND)
        return deployment

    async def read_by_name(self, flow_name: str, name: str) -> Deployment:
        async with self.storage.read() as uow:
            deployment = await uow.deployments.get_by_name(flow_name, name)
        if deployment is None:
            raise NotFound(NOT_FOUND)
        return deployment

    async def filter(self, query: DeploymentQuery) -> list[Deployment]:
        async with self.storage.read() as uow:
            return await uow.deployments.filter(query, query.sort, query.offset, query.limit)

    async def count(self, body: RunFilterBody) -> int:
        async with self.storage.read() as uow:
            return await uow.deployments.count(body)

    async def paginate(self, query: DeploymentPage) -> dict[str, Any]:
        async with self.storage.read() as uow:
            items = await uow.deployments.filter(query, query.sort, query.offset, query.limit)
            total = await uow.deployments.count(query)
        return {
            "results": items,
            "count": total,
            "limit": query.limit,
            "pages": page_count(total, query.limit),
            "page": query.page,
        }

    async def update(self, deployment_id: UUID, body: DeploymentUpdate) -> None:
        given = body.model_dump(exclude_unset=True)
        # The request's templates render before the transaction, which so never waits on one.
        rendered = await schema_hydration.prerender(body.parameters) if body.parameters else None
        async with self.storage.write() as uow:
            existing = await uow.deployments.get(deployment_id)
            if existing is None:
                raise NotFound("Deployment not found.")
            if body.work_pool_name:
                pool = await lookups.pool_by_name(uow, body.work_pool_name)
                schema_checks.job_variable_errors_for_update(pool, body.job_variables)
            if body.parameters is not None:
                body.parameters = await schema_checks.hydrated(
                    uow, body.parameters, "Error hydrating deployment parameters", rendered
                )
            _check_updated_parameters(existing, body)
            await ensure_limit_exists(uow, body.global_concurrency_limit_id)
            values = body.model_dump(mode="json", include=set(given) - _NOT_COPIED)
            if "work_pool_name" in given or "work_queue_name" in given:
                queue = await resolve_queue(uow, body.work_pool_name, body.work_queue_name)
                if queue is not None:
                    values["work_queue_id"] = str(queue[0])
                elif "work_pool_name" in given and body.work_pool_name is None:
                    values["work_queue_id"] = None
            if body.work_pool_name and body.work_queue_name is None and "work_queue_name" not in given:
                # A new pool without a queue name means the pool's default queue.
                values["work_queue_name"] = (await lookups.default_queue(uow, body.work_pool_name)).name
            if values:
                await uow.deployments.update(deployment_id, values)
            await apply_limit_fields(uow, existing, given)
            await replace_future_runs(uow, deployment_id)
            if "schedules" in given:
                await _update_schedules(uow, existing, body.schedules)
            event = await _lifecycle_event(uow, existing, await uow.deployments.get(deployment_id))
        await self.events.emit([event] if event else [])

    async def delete(self, deployment_id: UUID) -> None:
        async with self.storage.write() as uow:
            existing = await uow.deployments.get(deployment_id)
            if existing is None:
                raise NotFound(NOT_FOUND)
            event = await deployment_event(uow, "deleted", existing)
            await uow.scheduled_runs.delete_unstarted(deployment_id, auto_scheduled_only=False, after=None)
            if not await uow.deployments.delete(deployment_id):
                raise NotFound(NOT_FOUND)
            await delete_own_limit(uow, deployment_id)
        await self.events.emit([event])

    async def bulk_delete(self, query: DeploymentQuery) -> list[UUID]:
        async with self.storage.write() as uow:
            found = await uow.deployments.filter(query, query.sort, 0, query.limit)
            events = [await deployment_event(uow, "deleted", d) for d in found]
            for deployment in found:
                await uow.scheduled_runs.delete_unstarted(deployment.id, auto_scheduled_only=False, after=None)
                await uow.deployments.delete(deployment.id)
                await delete_own_limit(uow, deployment.id)
        await self.events.emit(events)
        return [d.id for d in found]

    async def set_paused(self, deployment_id: UUID, paused: bool) -> None:
        """Pause (dropping unstarted auto-scheduled runs) or resume a deployment."""
        async with self.storage.write() as uow:
            existing = await uow.deployments.get(deployment_id)
            if existing is None or not await uow.deployments.update(deployment_id, {"paused": paused}):
                raise NotFound(NOT_FOUND)
            if paused:
                await uow.scheduled_runs.delete_unstarted(deployment_id, auto_scheduled_only=True, after=None)
            event = await _lifecycle_event(uow, existing, await uow.deployments.get(deployment_id))
        await self.events.emit([event] if event else [])


async def _lifecycle_event(uow: UnitOfWork, before: Deployment | None, after: Deployment | None) -> Event | None:
    """`.created` when there was no `before`; `.updated` naming what changed, if anything did."""
    if after is None:
        return None
    if before is None:
        return await deployment_event(uow, "created", after)
    changes = changed_fields(before.model_dump(mode="json"), after.model_dump(mode="json"), DEPLOYMENT_EVENT_FIELDS)
    return await deployment_event(uow, "updated", after, changes) if changes else None


def _check_updated_parameters(existing: Deployment, body: DeploymentUpdate) -> None:
    """With enforcement on (the PATCH's say, else the deployment's), the parameters it will
    have must fit the schema it will have; required ones are not checked (runs may give them)."""
    enforce = (
        existing.enforce_parameter_schema if body.enforce_parameter_schema is None else body.enforce_parameter_schema
    )
    if not enforce:
        return
    parameters = existing.parameters if body.parameters is None else body.parameters
    schema = body.parameter_openapi_schema or existing.parameter_openapi_schema
    schema_checks.check_parameters(parameters, schema, prefix="Error updating deployment", ignore_required=True)


def _check_unique_slugs(slugs: list[str | None]) -> None:
    given = [slug for slug in slugs if slug]
    if len(given) != len(set(given)):
        raise Conflict("Schedule slugs must be unique within a deployment.")


async def _update_schedules(uow: UnitOfWork, existing: Deployment, wanted: list[DeploymentScheduleUpdate]) -> None:
    """Apply a PATCH's schedules the reference's way: by slug when every schedule,
    stored and given, has one; otherwise replace them all."""
    _check_unique_slugs([s.slug for s in wanted])
    stored = existing.schedules
    all_given_slugged = all(s.slug is not None for s in wanted)
    all_stored_slugged = bool(stored) and all(s.slug is not None for s in stored)
    if not (all_given_slugged and all_stored_slugged):
        if all_stored_slugged and not all_given_slugged:
            raise InvalidInput(
                "Please provide a slug for each schedule in your request to ensure schedules are updated correctly."
            )
        await uow.deployment_schedules.delete_all(existing.id)
        creates = [
            DeploymentScheduleCreate(
                schedule=s.schedule,
                active=True if s.active is None else s.active,
                parameters=s.parameters,
                slug=s.slug,
                max_scheduled_runs=s.max_scheduled_runs,
            )
            for s in wanted
            if s.schedule is not None
        ]
        await uow.deployment_schedules.insert_many(existing.id, schedules_from(existing.id, creates))
        return
    by_slug = {s.slug: s for s in stored}
    targets = [s.replaces for s in wanted if s.replaces]
    if len(targets) != len(set(targets)):
        raise InvalidInput(f"Multiple schedules have 'replaces' targeting the same slug: {targets}")
    new: list[DeploymentScheduleCreate] = []
    for schedule in wanted:
        target = by_slug.get(schedule.replaces or schedule.slug)
        if target is not None:
            values = schedule.model_dump(mode="json", exclude_none=True, exclude={"replaces"})
            await uow.deployment_schedules.update(existing.id, target.id, values)
        elif schedule.schedule is not None:
            new.append(
                DeploymentScheduleCreate(
                    schedule=schedule.schedule,
                    active=True if schedule.active is None else schedule.active,
                    parameters=schedule.parameters,
                    slug=schedule.slug,
                )
            )
        else:
            raise InvalidInput("Unable to create new deployment schedules without a schedule configuration.")
    await uow.deployment_schedules.insert_many(existing.id, schedules_from(existing.id, new))
