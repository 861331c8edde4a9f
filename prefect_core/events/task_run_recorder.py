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
    {
        "id",
        "created",
        "updated",
        "flow_run_id",
        "state",
        "state_id",
        "state_type",
        "state_name",
        "estimated_run_time",
        "estimated_start_time_delta",
    }
)


def is_recordable(event: Event) -> bool:
    """A client-orchestrated task-run state change (server-side ones are already stored)."""
    return event.event.startswith(TASK_RUN_EVENT_PREFIX) and (event.resource.get("prefect.orchestration") == "client")


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
class _Run:
    """One task run as a batch folds its events into it."""

    run_id: UUID
    current: State | None
    #: Column values from newer events, written once at the end of the batch.
    values: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    #: Inserted from the event being folded: the row holds its fields already.
    fresh: bool = False


class TaskRunRecorder:
    """Writes task runs and their states from events, inside the caller's unit of work.

    A batch costs one read of the runs it names, an insert per new run, one insert
    of all the states, and one update per run whose current state moved: events
    are folded per run in memory first.
    """

    async def record(self, uow: UnitOfWork, events: Sequence[Event]) -> int:
        """Record every recordable event in `events`; return how many states were written
        (a state already stored is skipped by storage, but still counted here)."""
        changes = []
        for event in events:
            if not is_recordable(event):
                continue
            try:
                changes.append(state_change_from_event(event))
            except (ValueError, ValidationError) as exc:
                log.warning("skipping malformed task-run event %s (%s): %s", event.id, event.event, exc)
        if not changes:
            return 0

        stored = {run.id: run for run in await uow.task_runs.get_many(list({c.run.id for c in changes}))}
        runs: dict[UUID, _Run] = {}  # by the id the event names
        by_stored_id: dict[UUID, _Run] = {}
        flow_runs_present: dict[UUID, bool] = {}
        states: list[tuple[UUID, State]] = []
        for change in changes:
            run = runs.get(change.run.id)
            if run is None:
                run = await self._start(uow, change, stored, flow_runs_present)
                if run is None:
                    continue
                # Two ids may resolve to one stored run (same flow run and task key).
                run = by_stored_id.setdefault(run.run_id, run)
                runs[change.run.id] = run
            state = change.state
            state.state_details.task_run_id = run.run_id
            states.append((run.run_id, state))
            newer = supersedes(run.current, state)
            if newer and not run.fresh:
                run.values.update(change.update_values())
            run.fresh = False
            if newer:
                run.current, run.changed = state, True

        await uow.task_runs.add_states(states)
        for run in by_stored_id.values():
            if run.changed and run.current is not None:
                await uow.task_runs.set_current_state(run.run_id, run.current, run.values)
        return len(states)

    async def _start(
        self,
        uow: UnitOfWork,
        change: TaskRunStateChange,
        stored: dict[UUID, TaskRun],
        flow_runs_present: dict[UUID, bool],
    ) -> _Run | None:
        """The stored run an event is about, inserting it (with the event's fields) if new."""
        candidate = change.run
        existing = stored.get(candidate.id)
        if existing is not None:
            return _Run(existing.id, existing.state)
        if candidate.flow_run_id is not None:
            present = flow_runs_present.get(candidate.flow_run_id)
            if present is None:
                present = await uow.flow_runs.get(candidate.flow_run_id) is not None
                flow_runs_present[candidate.flow_run_id] = present
            if not present:
                log.warning("task run %s names unknown flow run %s; not recorded", candidate.id, candidate.flow_run_id)
                return None
        # `insert` hands back the existing row when the same task of the same flow
        # run is stored under another id: that row is the run.
        inserted = await uow.task_runs.insert(candidate)
        return _Run(inserted.id, inserted.state, fresh=inserted.id == candidate.id)
