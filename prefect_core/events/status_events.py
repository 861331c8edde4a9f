"""Status-change events of deployments, work pools and work queues, as the reference's
services emit them (`prefect.deployment.ready` / `.not-ready`, `prefect.work-pool.ready` /
`.not-ready` / `.paused`, `prefect.work-queue.ready` / `.not-ready` / `.paused`), so that
automations can react to them. Built inside the unit of work that changed the status
(names are read there); emitted by the caller once it has committed."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from prefect_core import timeutil
from prefect_core.ports import UnitOfWork
from prefect_core.schemas.deployments import Deployment
from prefect_core.schemas.events import Event, RelatedResource, Resource
from prefect_core.schemas.work_pools import WorkPool, WorkQueue


def _kebab(status: str) -> str:
    return status.lower().replace("_", "-")


def pool_labels(pool: WorkPool, role: str | None = None) -> dict[str, str]:
    labels = {
        "prefect.resource.id": f"prefect.work-pool.{pool.id}",
        "prefect.resource.name": pool.name,
        "prefect.work-pool.type": pool.type,
    }
    if role:
        labels["prefect.resource.role"] = role
    return labels


def work_pool_status_event(pool: WorkPool, status: str) -> Event:
    """`prefect.work-pool.<status>` for a pool that just changed to `status`."""
    return Event(
        occurred=timeutil.now(), event=f"prefect.work-pool.{_kebab(status)}", resource=Resource(pool_labels(pool))
    )


def queue_labels(queue: WorkQueue) -> dict[str, str]:
    return {
        "prefect.resource.id": f"prefect.work-queue.{queue.id}",
        "prefect.resource.name": queue.name,
        "prefect.resource.role": "work-queue",
    }


async def queue_related(uow: UnitOfWork, queue: WorkQueue) -> list[RelatedResource]:
    """A work-queue event's related resources: its work pool."""
    pool = await uow.work_pools.get(queue.work_pool_id) if queue.work_pool_id is not None else None
    return [RelatedResource(pool_labels(pool, "work-pool"))] if pool is not None else []


async def work_queue_status_events(uow: UnitOfWork, queue_ids: Sequence[UUID], status: str) -> list[Event]:
    """`prefect.work-queue.<status>` for each queue that just changed to `status`."""
    events = []
    for queue_id in queue_ids:
        queue = await uow.work_queues.get(queue_id)
        if queue is None:
            continue
        related = await queue_related(uow, queue)
        resource = Resource(queue_labels(queue))
        events.append(
            Event(
                occurred=timeutil.now(),
                event=f"prefect.work-queue.{_kebab(status)}",
                resource=resource,
                related=related,
            )
        )
    return events


async def deployment_related(uow: UnitOfWork, deployment: Deployment) -> list[RelatedResource]:
    """A deployment event's related resources: its flow, work queue and work pool."""
    related: list[RelatedResource] = []
    flow = await uow.flows.get(deployment.flow_id)
    if flow is not None:
        related.append(
            RelatedResource(
                {
                    "prefect.resource.id": f"prefect.flow.{flow.id}",
                    "prefect.resource.name": flow.name,
                    "prefect.resource.role": "flow",
                }
            )
        )
    queue = await uow.work_queues.get(deployment.work_queue_id) if deployment.work_queue_id else None
    if queue is not None:
        related.append(RelatedResource(queue_labels(queue)))
        pool = await uow.work_pools.get(queue.work_pool_id) if queue.work_pool_id else None
        if pool is not None:
            related.append(RelatedResource(pool_labels(pool, "work-pool")))
    return related


def deployment_labels(deployment: Deployment) -> dict[str, str]:
    return {"prefect.resource.id": f"prefect.deployment.{deployment.id}", "prefect.resource.name": deployment.name}


async def deployment_status_events(uow: UnitOfWork, deployment_ids: Sequence[UUID], status: str) -> list[Event]:
    """`prefect.deployment.<status>` for each deployment that just changed to `status`,
    related to its flow, work queue and work pool."""
    events = []
    for deployment_id in deployment_ids:
        deployment = await uow.deployments.get(deployment_id)
        if deployment is None:
            continue
        events.append(
            Event(
                occurred=timeutil.now(),
                event=f"prefect.deployment.{_kebab(status)}",
                resource=Resource(deployment_labels(deployment)),
                related=await deployment_related(uow, deployment),
            )
        )
    return events
