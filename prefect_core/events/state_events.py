"""The `prefect.flow-run.<State>` events the server emits on accepted transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect_core.schemas.events import Event
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.states import State

#: State messages can hold whole tracebacks; keep events bounded.
MAX_STATE_MESSAGE = 100_000


def state_payload(state: State | None) -> dict[str, Any] | None:
    if state is None:
        return None
    out: dict[str, Any] = {"type": state.type.value, "name": state.name or ""}
    if state.message:
        out["message"] = state.message[:MAX_STATE_MESSAGE]
    return out


def _related(run: FlowRun, flow: Flow | None) -> list[dict[str, str]]:
    related: list[dict[str, str]] = []
    if flow is not None:
        related.append(
            {
                "prefect.resource.id": f"prefect.flow.{flow.id}",
                "prefect.resource.role": "flow",
                "prefect.resource.name": flow.name,
            }
        )
    tags = sorted(set(run.tags) | set(flow.tags if flow else []))
    related += [{"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"} for tag in tags]
    return related


def flow_run_state_change_event(
    run: FlowRun, flow: Flow | None, initial: State | None, validated: State, occurred: dt.datetime
) -> Event:
    """The event for `run` entering `validated`; its id is the new state's id, so
    the events of one run are ordered and a replayed transition is not stored twice."""
    follows = None
    if initial is not None and abs((occurred - initial.timestamp).total_seconds()) < 300:
        follows = initial.id
    return Event.model_validate(
        {
            "occurred": occurred,
            "event": f"prefect.flow-run.{validated.name}",
            "resource": {
                "prefect.resource.id": f"prefect.flow-run.{run.id}",
                "prefect.resource.name": run.name,
                "prefect.run-count": str(run.run_count),
                "prefect.state-message": (validated.message or "")[:MAX_STATE_MESSAGE],
                "prefect.state-name": validated.name or "",
                "prefect.state-timestamp": validated.timestamp.isoformat(),
                "prefect.state-type": validated.type.value,
            },
            "related": _related(run, flow),
            "payload": {
                "intended": {
                    "from": initial.type.value if initial else None,
                    "to": validated.type.value,
                },
                "initial_state": state_payload(initial),
                "validated_state": state_payload(validated),
            },
            "id": validated.id,
            "follows": follows,
        }
    )
