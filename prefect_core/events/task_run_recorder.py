"""Task runs built from the client's `prefect.task-run.<State>` events.

Inside a flow, Prefect 3 clients orchestrate task runs themselves and never
call the REST API for them: each state change arrives as an event whose
payload holds the whole task run and the validated state, and whose id is the
state's id. The recorder upserts the task run and appends the state to its
history. Events may arrive late, out of order or twice: a state older than the
run's current one joins the history without becoming current, and a state id
seen before is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from prefect_core.ports import UnitOfWork
from prefect_core.schemas.events import Event
from prefect_core.schemas.runs import TaskRun
from prefect_core.schemas.states import State

log = logging.getLogger(__name__)

TASK_RUN_EVENT_PREFIX = "prefect.task-run."

#: Fields an event may carry that are not task-run columns, or that must not be
#: overwritten on an existing run (its identity and bookkeeping stamps).
_NOT_UPDATED = frozenset(
    {"id", "created", "updated", "flow_run_id", "state", "state_id", "state_type",
     "state_name", "estimated_run_time", "estimated_start_time_delta"}
)


def is_recordable(event: Event) -> bool:
    """A client-orchestrated task-run state change (server-side ones are already stored)."""
    return event.event.startswith(TASK_RUN_EVENT_PREFIX) and (
        event.resource.get("prefect.orchestration") == "client"
    )


@dataclass(frozen=True)
class TaskRunStateChange:
    """What one event says about a task run."""

    run: TaskRun
    state: State
    #: The task-run fields the event carries; others are left alone on update.
    fields: frozenset[str] = field(default_factory=frozenset)

    def update_values(self) -> dict[str, Any]:
        """Column values to overwrite on an existing run (JSON-ready)."""
        wanted = set(self.fields - _NOT_UPDATED)
        return self.run.model_dump(mode="json", include=wanted)


def state_change_from_event(event: Event) -> TaskRunStateChange:
    """Read the task run and state out of a task-run event.

    Raises ValueError (or pydantic's ValidationError) when the event does not
    describe a task run.
    """
    run_id = event.resource.object_id("prefect.task-run")
    if run_id is None:
        raise ValueError(f"not a task-run resource: {event.resource.id}")
    flow_run = event.first_related("flow-run")
    flow_run_id = flow_run.object_id("prefect.flow-run") if flow_run is not None else None
    payload_run = event.payload.get("task_run")
    payload_state = event.payload.get("validated_state")
    if not isinstance(payload_run, dict) or not isinstance(payload_state, dict):
        raise ValueError("task-run event without task_run / validated_state in its payload")

    # The event's id is the state's id, and it occurred when the state began.
    state = State.model_validate({**payload_state, "id": event.id, "timestamp": event.occurred})
    state.state_details.task_run_id = run_id
    state.state_details.flow_run_id = flow_run_id
    run = TaskRun.model_validate({**payload_run, "id": run_id, "flow_run_id": flow_run_id})
    return TaskRunStateChange(run=run, state=state, fields=frozenset(payload_run) & set(TaskRun.model_fields))


def supersedes(current: State | None, incoming: State) -> bool:
    """Whether `incoming` should become the current state (strictly newer wins,
    so a redelivered state changes nothing)."""
    return current is None or incoming.timestamp > current.timestamp


@dataclass
class _Known:
    """What a batch has learnt about one task run so far."""

    run_id: UUID
    current: State | None
    #: Inserted by the event being recorded: its row already holds that event's fields.
    fresh: bool = False


class TaskRunRecorder:
    """Writes task runs and their states from events, inside the caller's unit of work."""

    async def record(self, uow: UnitOfWork, events: Sequence[Event]) -> int:
        """Record every recordable event in `events`; return how many states were new."""
        known: dict[UUID, _Known] = {}
        flow_runs_present: dict[UUID, bool] = {}
        recorded = 0
        for event in events:
            if not is_recordable(event):
                continue
            try:
                change = state_change_from_event(event)
            except (ValueError, ValidationError) as exc:
                log.warning("skipping malformed task-run event %s (%s): %s", event.id, event.event, exc)
                continue
            if await self._record_one(uow, change, known, flow_runs_present):
                recorded += 1
        return recorded

    async def _record_one(
        self,
        uow: UnitOfWork,
        change: TaskRunStateChange,
        known: dict[UUID, _Known],
        flow_runs_present: dict[UUID, bool],
    ) -> bool:
        run = change.run
        entry = known.get(run.id)
        if entry is None:
            entry = await self._load_or_insert(uow, run, flow_runs_present)
            if entry is None:
                return False
            known[run.id] = entry
        newer = supersedes(entry.current, change.state)
        if newer and not entry.fresh:
            values = change.update_values()
            if values:
                await uow.task_runs.update(entry.run_id, values)
        entry.fresh = False
        state = change.state
        state.state_details.task_run_id = entry.run_id
        added = await uow.task_runs.add_state(entry.run_id, state, make_current=newer)
        if newer:
            entry.current = state
        return added

    async def _load_or_insert(
        self, uow: UnitOfWork, run: TaskRun, flow_runs_present: dict[UUID, bool]
    ) -> _Known | None:
        existing = await uow.task_runs.get(run.id)
        if existing is None and run.flow_run_id is not None:
            # Same task in the same flow run under another id: that row is the run.
            existing = await uow.task_runs.get_by_key(run.flow_run_id, run.task_key, run.dynamic_key)
        if existing is not None:
            return _Known(existing.id, existing.state)
        if run.flow_run_id is not None:
            present = flow_runs_present.get(run.flow_run_id)
            if present is None:
                present = await uow.flow_runs.get(run.flow_run_id) is not None
                flow_runs_present[run.flow_run_id] = present
            if not present:
                log.warning("task run %s names unknown flow run %s; not recorded", run.id, run.flow_run_id)
                return None
        stored = await uow.task_runs.insert(run)
        # `insert` hands back the existing row if one won a race on the natural key.
        return _Known(stored.id, stored.state, fresh=stored.id == run.id)
