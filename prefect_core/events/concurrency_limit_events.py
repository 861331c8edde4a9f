"""The `prefect.concurrency-limit.{created,updated,deleted}` events the server emits
when a global concurrency limit (tag limits included) is created, changed or deleted."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from prefect_core.schemas.concurrency_limits import ConcurrencyLimitV2
from prefect_core.schemas.events import Event

LifecycleAction = Literal["created", "updated", "deleted"]


def concurrency_limit_event(action: LifecycleAction, limit: ConcurrencyLimitV2, occurred: dt.datetime) -> Event:
    """The event for `limit` (as it is after the change; as it was, when deleted)."""
    return Event.model_validate(
        {
            "occurred": occurred,
            "event": f"prefect.concurrency-limit.{action}",
            "resource": {
                "prefect.resource.id": f"prefect.concurrency-limit.{limit.id}",
                "prefect.resource.name": limit.name,
            },
            "related": [],
            "payload": {
                "name": limit.name,
                "limit": limit.limit,
                "active": limit.active,
                "slot_decay_per_second": limit.slot_decay_per_second,
            },
        }
    )
