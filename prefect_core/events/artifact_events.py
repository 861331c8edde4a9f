"""The `prefect.artifact-collection.{created,updated,deleted}` events the server emits when
a key gets its first artifact, a new latest artifact, or loses its last one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect_core.events.concurrency_limit_events import LifecycleAction
from prefect_core.schemas.artifacts import ArtifactCollection
from prefect_core.schemas.events import Event


def artifact_collection_event(action: LifecycleAction, collection: ArtifactCollection, occurred: dt.datetime) -> Event:
    """The event for `collection`; its latest artifact and runs are related resources."""
    related: list[dict[str, Any]] = [
        {"prefect.resource.id": f"prefect.artifact.{collection.latest_id}", "prefect.resource.role": "latest"}
    ]
    if collection.flow_run_id:
        related.append(
            {"prefect.resource.id": f"prefect.flow-run.{collection.flow_run_id}", "prefect.resource.role": "flow-run"}
        )
    if collection.task_run_id:
        related.append(
            {"prefect.resource.id": f"prefect.task-run.{collection.task_run_id}", "prefect.resource.role": "task-run"}
        )
    return Event.model_validate(
        {
            "occurred": occurred,
            "event": f"prefect.artifact-collection.{action}",
            "resource": {
                "prefect.resource.id": f"prefect.artifact-collection.{collection.id}",
                "prefect.resource.name": collection.key,
            },
            "related": related,
            "payload": {
                "key": collection.key,
                "type": collection.type,
                "data": collection.data,
                "description": collection.description,
            },
        }
    )
