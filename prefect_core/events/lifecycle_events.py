"""`.created` / `.updated` / `.deleted` events of deployments, work pools and work queues, as
the reference's models emit them, so that automations (and the event feed) see them.

An update event names only the user-facing fields that changed (`updated_fields`, and
`updates` with each one's `from` and `to`); status changes have their own events
(`status_events`). Built inside the unit of work that made the change, emitted after it
commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prefect_core import timeutil
from prefect_core.events.concurrency_limit_events import LifecycleAction
from prefect_core.events.status_events import (
    deployment_labels,
    deployment_related,
    pool_labels,
    queue_labels,
    queue_related,
)
from prefect_core.ports import UnitOfWork
from prefect_core.schemas.deployments import Deployment
from prefect_core.schemas.events import Event, RelatedResource, Resource
from prefect_core.schemas.work_pools import WorkPool, WorkQueue

#: The fields whose change makes a `prefect.deployment.updated` (the reference's list).
DEPLOYMENT_EVENT_FIELDS = (
    "description",
    "tags",
    "parameters",
    "parameter_openapi_schema",
    "enforce_parameter_schema",
    "entrypoint",
    "path",
    "pull_steps",
    "work_queue_id",
    "job_variables",
    "paused",
    "labels",
    "version",
    "concurrency_limit_id",
    "concurrency_options",
)
#: ... a `prefect.work-pool.updated` (pausing is a status event instead).
WORK_POOL_EVENT_FIELDS = ("description", "base_job_template", "concurrency_limit", "storage_configuration")
#: ... a `prefect.work-queue.updated`.
WORK_QUEUE_EVENT_FIELDS = ("name", "description", "concurrency_limit", "priority")

#: Our field names where the reference's events use its column names.
_EVENT_NAMES = {"job_variables": "infra_overrides"}


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """`{field: {"from": old, "to": new}}` for each of `fields` whose JSON value differs."""
    changes: dict[str, Any] = {}
    for field in fields:
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[_EVENT_NAMES.get(field, field)] = {"from": old, "to": new}
    return changes


def _event(
    name: str, resource: dict[str, str], related: list[RelatedResource], changes: dict[str, Any] | None
) -> Event:
    payload = {"updated_fields": list(changes), "updates": changes} if changes else {}
    return Event(occurred=timeutil.now(), event=name, resource=Resource(resource), related=related, payload=payload)


async def deployment_event(
    uow: UnitOfWork, action: LifecycleAction, deployment: Deployment, changes: dict[str, Any] | None = None
) -> Event:
    """`prefect.deployment.<action>`, related to the deployment's flow, work queue and work pool."""
    related = await deployment_related(uow, deployment)
    return _event(f"prefect.deployment.{action}", deployment_labels(deployment), related, changes)


def work_pool_event(action: LifecycleAction, pool: WorkPool, changes: dict[str, Any] | None = None) -> Event:
    """`prefect.work-pool.<action>`, related to the pool's default queue and result storage."""
    related: list[RelatedResource] = []
    if pool.default_queue_id:
        related.append(
            RelatedResource(
                {
                    "prefect.resource.id": f"prefect.work-queue.{pool.default_queue_id}",
                    "prefect.resource.role": "default-queue",
                }
            )
        )
    storage_block = getattr(pool.storage_configuration, "default_result_storage_block_id", None)
    if storage_block:
        related.append(
            RelatedResource(
                {
                    "prefect.resource.id": f"prefect.block-document.{storage_block}",
                    "prefect.resource.role": "result-storage",
                }
            )
        )
    return _event(f"prefect.work-pool.{action}", pool_labels(pool, "work-pool"), related, changes)


async def work_queue_event(
    uow: UnitOfWork, action: LifecycleAction, queue: WorkQueue, changes: dict[str, Any] | None = None
) -> Event:
    """`prefect.work-queue.<action>`, related to the queue's work pool."""
    return _event(f"prefect.work-queue.{action}", queue_labels(queue), await queue_related(uow, queue), changes)
