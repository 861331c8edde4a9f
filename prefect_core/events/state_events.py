"""The `prefect.flow-run.<State>` events the server emits on accepted transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect_core.ports import FlowRunRelatives, Relative
from prefect_core.schemas.events import Event
from prefect_core.schemas.runs import FlowRun
from prefect_core.schemas.states import State, StateType

#: State messages can hold whole tracebacks; keep events bounded.
MAX_STATE_MESSAGE = 100_000


def truncated(text: str | None, length: int = MAX_STATE_MESSAGE) -> str:
    """`text` bounded to about `length` characters, keeping its beginning and end
    around a note of how much was left out (the reference's form)."""
    if not text:
        return ""
    if len(text) <= length:
        return text
    half = length // 2
    omitted = len(text) - 2 * half
    shortened = f"{text[:half]}...{omitted} additional characters...{text[-half:]}"
    return shortened if len(shortened) < len(text) else text


def state_payload(state: State | None) -> dict[str, Any] | None:
    """The essentials of a state, as strings, for an event's payload."""
    if state is None:
        return None
    out: dict[str, Any] = {"type": state.type.value}
    if state.name:
        out["name"] = state.name
    if state.message:
        out["message"] = truncated(state.message)
    if state.type is StateType.PAUSED:
        out["pause_reschedule"] = str(state.state_details.pause_reschedule).lower()
    return out


def _resource(kind: str, role: str, relative: Relative) -> dict[str, str]:
    resource = {
        "prefect.resource.id": f"prefect.{kind}.{relative.id}",
        "prefect.resource.role": role,
        "prefect.resource.name": relative.name,
    }
    if kind == "work-pool" and relative.type is not None:
        resource["prefect.work-pool.type"] = relative.type
    return resource


def related_resources(run: FlowRun, relatives: FlowRunRelatives) -> list[dict[str, str]]:
    """The related resources of a flow run's events, in the reference's order: its flow,
    deployment, work queue, work pool and parent task run (those it has), the tags of
    all of them and of the run, then the deployment or automation that created it."""
    kinds = (
        ("flow", relatives.flow),
        ("deployment", relatives.deployment),
        ("work-queue", relatives.work_queue),
        ("work-pool", relatives.work_pool),
        ("task-run", relatives.parent_task_run),
    )
    related: list[dict[str, str]] = []
    tags = set(run.tags or ())
    for kind, relative in kinds:
        if relative is None:
            continue
        related.append(_resource(kind, kind, relative))
        tags.update(relative.tags)
    related += [{"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"} for tag in sorted(tags)]
    related += _creator(run)
    return related


def _creator(run: FlowRun) -> list[dict[str, str]]:
    created_by = run.created_by
    if created_by is None or created_by.id is None:
        return []
    kinds = {"DEPLOYMENT": "deployment", "AUTOMATION": "automation"}
    kind = kinds.get(created_by.type or "")
    if kind is None:
        return []
    creator = {"prefect.resource.id": f"prefect.{kind}.{created_by.id}", "prefect.resource.role": "creator"}
    if created_by.display_value:
        creator["prefect.resource.name"] = created_by.display_value
    return [creator]


def flow_run_state_change_event(
    run: FlowRun, relatives: FlowRunRelatives, initial: State | None, validated: State, occurred: dt.datetime
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
                "prefect.state-message": truncated(validated.message),
                "prefect.state-name": validated.name or "",
                "prefect.state-timestamp": validated.timestamp.isoformat(),
                "prefect.state-type": validated.type.value,
            },
            "related": related_resources(run, relatives),
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
