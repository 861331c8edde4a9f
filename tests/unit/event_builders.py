"""Events shaped like the ones the Prefect 3 client sends (see the reference traces)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from prefect_core import timeutil
from prefect_core.schemas.events import Event

#: Client frames sent to /events/in in the reference capture of scenario a
#: (shared/reference/traces/a.bodies.jsonl, filtered), kept with the tests.
TRACES = Path(__file__).resolve().parent.parent / "data"

_STATE_TYPES = {
    "Pending": "PENDING",
    "Running": "RUNNING",
    "Completed": "COMPLETED",
    "Failed": "FAILED",
    "AwaitingRetry": "SCHEDULED",
    "Retrying": "RUNNING",
    "Scheduled": "SCHEDULED",
    "Cached": "COMPLETED",
    "Crashed": "CRASHED",
    "Cancelled": "CANCELLED",
}


def event(
    name: str = "test.happened",
    resource_id: str = "test.resource.1",
    *,
    occurred: dt.datetime | None = None,
    related: list[dict[str, str]] | None = None,
    **labels: str,
) -> Event:
    return Event.model_validate(
        {
            "occurred": occurred or timeutil.now(),
            "event": name,
            "resource": {"prefect.resource.id": resource_id, **labels},
            "related": related or [],
            "id": uuid4(),
        }
    )


def task_run_event(
    run_id: UUID,
    state_name: str,
    *,
    flow_run_id: UUID | None = None,
    occurred: dt.datetime | None = None,
    run_count: int = 0,
    task_key: str = "square-6720812a",
    dynamic_key: str = "0",
    name: str = "square-0",
    follows: UUID | None = None,
    extra_run: dict[str, Any] | None = None,
    state_details: dict[str, Any] | None = None,
    expected_start: dt.datetime | None = None,
) -> dict[str, Any]:
    """A `prefect.task-run.<state_name>` event as JSON, like the client emits."""
    occurred = occurred or timeutil.now()
    related = []
    if flow_run_id is not None:
        related.append(
            {
                "prefect.resource.id": f"prefect.flow-run.{flow_run_id}",
                "prefect.resource.role": "flow-run",
                "prefect.resource.name": "casual-skink",
            }
        )
    state_type = _STATE_TYPES[state_name]
    task_run: dict[str, Any] = {
        "name": name,
        "task_key": task_key,
        "dynamic_key": dynamic_key,
        "empirical_policy": {"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 0, "retry_delay": 0},
        "tags": [],
        "labels": {},
        "task_inputs": {"x": []},
        "run_count": run_count,
        "flow_run_run_count": 1 if run_count else 0,
        "expected_start_time": timeutil.isoformat(expected_start or occurred),
        "total_run_time": 0.0,
    }
    task_run.update(extra_run or {})
    return {
        "occurred": timeutil.isoformat(occurred),
        "event": f"prefect.task-run.{state_name}",
        "resource": {
            "prefect.resource.id": f"prefect.task-run.{run_id}",
            "prefect.resource.name": name,
            "prefect.run-count": str(run_count),
            "prefect.state-message": "",
            "prefect.state-name": state_name,
            "prefect.state-timestamp": occurred.isoformat(),
            "prefect.state-type": state_type,
            "prefect.orchestration": "client",
        },
        "related": related,
        "payload": {
            "intended": {"from": None, "to": state_type},
            "initial_state": None,
            "validated_state": {
                "type": state_type,
                "name": state_name,
                "message": "",
                "state_details": state_details or {},
                "data": None,
            },
            "task_run": task_run,
        },
        "id": str(uuid4()),
        "follows": str(follows) if follows else None,
    }


def traced_events(scenario: str, prefix: str = "prefect.task-run.") -> list[dict[str, Any]]:
    """The events a scenario's client really sent over /events/in, in order."""
    out = []
    for line in (TRACES / f"{scenario}.events-in.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("kind") == "ws" and record.get("path") == "/api/events/in" and record["dir"] == "c2s":
            data = json.loads(record["data"])
            if data.get("event", "").startswith(prefix):
                out.append(data)
    return out
