"""The `prefect.variable.{created,updated,deleted}` events the server emits."""

from __future__ import annotations

import datetime as dt

from prefect_core.events.concurrency_limit_events import LifecycleAction
from prefect_core.schemas.events import Event
from prefect_core.schemas.variables import Variable


def variable_event(action: LifecycleAction, variable: Variable, occurred: dt.datetime) -> Event:
    """The event for `variable` (as it is after the change; as it was, when deleted)."""
    return Event.model_validate(
        {
            "occurred": occurred,
            "event": f"prefect.variable.{action}",
            "resource": {
                "prefect.resource.id": f"prefect.variable.{variable.id}",
                "prefect.resource.name": variable.name,
            },
            "related": [],
            "payload": {"name": variable.name, "value": variable.value, "tags": variable.tags},
        }
    )
