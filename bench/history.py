"""The responsiveness phase's data, drawn once by a pure function and written by either path.

`generate_history` draws every flow run (name, tags, scheduled time, whether it has a task
run) and every event (id, time, name, resource) from one seeded RNG, relative to `now`.
Our server gets these rows over HTTP (`responsiveness.seed_over_http`, a real client path);
the reference server gets the same rows written into its SQLite database
(`reference_seed`), because its create endpoint is too slow to take 100,000 runs over HTTP.
The request bodies are built here too, so both paths start from the same values.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SEED = 13
TAGS = ("etl", "daily", "prod", "dev", "ml", "nightly")
FLOW_NAME = "bench-history"
#: Every TASK_EVERY-th run gets one task run.
TASK_EVERY = 10
#: Runs are scheduled over this window before `now`, events over EVENT_WINDOW.
RUN_WINDOW = timedelta(days=7)
EVENT_WINDOW = timedelta(days=1)
EVENT_NAMES = 20
EVENT_RESOURCES = 500


def client_event_id(occurred: datetime, rand: int | None = None) -> uuid.UUID:
    """A version 7 UUID stamped with `occurred` (ms), as the prefect client makes an event's id.

    `rand` supplies the 74 random bits (a seeded RNG's, for a repeatable history); the
    client's events carry such time-ordered ids (`prefect.events.Event.id`), and so, since the
    sixth full run, do the harness's: docs/benchmarks.md says what uuid4 ids cost instead.
    The bit layout is written out here rather than taken from `prefect_core.ids`: the harness
    is a client of the servers it measures and imports nothing of ours.
    """
    bits = random.getrandbits(74) if rand is None else rand & ((1 << 74) - 1)
    millis = int(occurred.timestamp() * 1000)
    return uuid.UUID(int=(millis << 80) | (0x7 << 76) | (bits >> 62) << 64 | (0b10 << 62) | (bits & ((1 << 62) - 1)))


@dataclass(frozen=True)
class HistoryRun:
    """One flow run to seed: SCHEDULED at `scheduled_time`, with a task run when `with_task_run`."""

    index: int
    name: str
    tags: tuple[str, str]
    scheduled_time: datetime
    with_task_run: bool

    @property
    def task_name(self) -> str:
        """The name of its task run (its dynamic key is the run's index)."""
        return f"t-{self.index}"


@dataclass(frozen=True)
class HistoryEvent:
    """One event to seed (no related resources, empty payload)."""

    id: uuid.UUID
    occurred: datetime
    event: str
    resource_id: str


@dataclass(frozen=True)
class History:
    """Everything the phase seeds, relative to `now`."""

    now: datetime
    runs: tuple[HistoryRun, ...]
    events: tuple[HistoryEvent, ...]

    @property
    def task_runs(self) -> int:
        """How many task runs the history holds."""
        return sum(r.with_task_run for r in self.runs)


def generate_history(runs: int, events: int, now: datetime, seed: int = SEED) -> History:
    """Draw `runs` flow runs and `events` events with a `seed`ed RNG; pure: the same
    arguments give the same history, whichever path writes it."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(seed)
    window = RUN_WINDOW.total_seconds()
    made_runs = tuple(
        HistoryRun(
            index=i,
            name=f"bench-{i}",
            tags=tuple(rng.sample(TAGS, 2)),  # type: ignore[arg-type]
            scheduled_time=now - timedelta(seconds=rng.uniform(0, window)),
            with_task_run=i % TASK_EVERY == 0,
        )
        for i in range(runs)
    )
    event_window = EVENT_WINDOW.total_seconds()
    made_events = tuple(
        HistoryEvent(
            id=client_event_id(occurred, rng.getrandbits(74)),
            occurred=occurred,
            event=f"bench.event.{rng.randrange(EVENT_NAMES)}",
            resource_id=f"bench.resource.{rng.randrange(EVENT_RESOURCES)}",
        )
        for occurred in (now - timedelta(seconds=rng.uniform(0, event_window)) for _ in range(events))
    )
    return History(now=now.astimezone(UTC), runs=made_runs, events=made_events)


def flow_run_body(flow_id: str, run: HistoryRun) -> dict[str, Any]:
    """The `POST /flow_runs/` body for `run`."""
    return {
        "flow_id": flow_id,
        "name": run.name,
        "tags": list(run.tags),
        "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": run.scheduled_time.isoformat()}},
    }


def task_run_body(flow_run_id: str, run: HistoryRun) -> dict[str, Any]:
    """The `POST /task_runs/` body of `run`'s task run."""
    return {"flow_run_id": flow_run_id, "task_key": "t", "dynamic_key": str(run.index), "name": run.task_name}


def event_body(event: HistoryEvent) -> dict[str, Any]:
    """The `POST /events` item for `event`."""
    return {
        "occurred": event.occurred.isoformat(),
        "event": event.event,
        "resource": {"prefect.resource.id": event.resource_id},
        "id": str(event.id),
    }
