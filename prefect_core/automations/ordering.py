"""Causal ordering for reactive triggers: an event that `follows` another is counted after it.

Clients say which event an event follows (a flow run's Running follows its Pending). Events
can still arrive out of that order, over two connections or two server processes. A trigger
that counts a follower before its leader can fire too early or never (a sequence trigger,
an `after` that has not started yet), so, as the reference does, a follower whose leader has
not been counted yet is held back, and counted right after its leader arrives.

"Counted" here means stored: reactive evaluation runs in the transaction that stores the
events, so an event in the events table has been evaluated, whichever process stored it.
Held followers live in this process's memory (as with the reference's default ordering):
a follower whose leader never shows up is counted once it has waited `lookback`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from prefect_core import timeutil
from prefect_core.ports import UnitOfWork
from prefect_core.schemas.event_filters import EventFilter, EventIDFilter, EventOccurredFilter
from prefect_core.schemas.events import Event

log = logging.getLogger(__name__)

#: How long a follower waits for its leader (the reference's preceding-event lookback).
PRECEDING_EVENT_LOOKBACK = dt.timedelta(minutes=15)
#: At most this many followers are held; beyond, a follower is counted at once.
MAX_HELD = 10_000
#: How far before the oldest follower its leader is looked for in the events table.
LEADER_SEARCH_MARGIN = dt.timedelta(days=1)


@dataclass
class _Held:
    event: Event
    since: float  # time.monotonic() when it was held


class CausalOrdering:
    """Holds followers back until their leader is counted; hands out events leaders first."""

    def __init__(self, *, lookback: dt.timedelta = PRECEDING_EVENT_LOOKBACK, max_held: int = MAX_HELD) -> None:
        self.lookback = lookback
        self.max_held = max_held
        self._by_leader: dict[UUID, list[_Held]] = {}
        self._count = 0

    @property
    def held(self) -> int:
        """How many followers are waiting for their leader."""
        return self._count

    async def arrange(
        self, uow: UnitOfWork, events: Sequence[Event], needs_order: Callable[[Event], bool], now: dt.datetime
    ) -> list[Event]:
        """The events to count now, each leader before its followers: `events`, less the
        followers whose leader is neither among them nor stored, plus held followers whose
        leader is among them. `needs_order` says whether an event matters to any trigger
        (others are never held: nothing counts them)."""
        here = {e.id for e in events}
        waiting = [
            e
            for e in events
            if e.follows is not None and e.follows not in here and needs_order(e) and e.occurred >= now - self.lookback
        ]
        held: set[UUID] = set()
        if waiting:
            stored = await _stored(uow, {e.follows for e in waiting if e.follows}, min(e.occurred for e in waiting))
            # With no room left to hold one, a follower is counted at once.
            held = {e.id for e in waiting if e.follows not in stored and self._hold(e)}
        admitted = [e for e in events if e.id not in held]
        return leaders_first(admitted + self._release_followers_of(admitted))

    async def release_due(self, uow: UnitOfWork) -> list[Event]:
        """Held followers to count now, leaders first: those whose leader has been stored
        since (by any server process) and those that waited the whole lookback."""
        if not self._count:
            return []
        oldest = min(h.event.occurred for followers in self._by_leader.values() for h in followers)
        stored = await _stored(uow, set(self._by_leader), oldest)
        deadline = time.monotonic() - self.lookback.total_seconds()
        released: list[Event] = []
        for leader in list(self._by_leader):
            followers = self._by_leader[leader]
            if leader in stored:
                released += self._take(leader)
                continue
            due = [h for h in followers if h.since <= deadline]
            if due:
                log.info("%d event(s) waited %s for the event they follow: counted without it", len(due), self.lookback)
                keep = [h for h in followers if h.since > deadline]
                self._count -= len(due)
                if keep:
                    self._by_leader[leader] = keep
                else:
                    del self._by_leader[leader]
                released += [h.event for h in due]
        return leaders_first(released + self._release_followers_of(released))

    def _hold(self, event: Event) -> bool:
        if self._count >= self.max_held or event.follows is None:
            return False
        self._by_leader.setdefault(event.follows, []).append(_Held(event, time.monotonic()))
        self._count += 1
        return True

    def _take(self, leader: UUID) -> list[Event]:
        followers = self._by_leader.pop(leader, [])
        self._count -= len(followers)
        return [h.event for h in followers]

    def _release_followers_of(self, leaders: Iterable[Event]) -> list[Event]:
        """Held followers of `leaders`, and of those followers, and so on."""
        released: list[Event] = []
        pending = [e.id for e in leaders]
        while pending and self._count:
            followers = self._take(pending.pop())
            released += followers
            pending += [f.id for f in followers]
        return released


async def _stored(uow: UnitOfWork, ids: set[UUID], oldest: dt.datetime) -> set[UUID]:
    """Which of `ids` are in the events table."""
    if not ids:
        return set()
    window = EventOccurredFilter(since=oldest - LEADER_SEARCH_MARGIN, until=timeutil.now() + LEADER_SEARCH_MARGIN)
    found = await uow.events.filter(EventFilter(occurred=window, id=EventIDFilter(id=sorted(ids))), limit=len(ids))
    return {e.id for e in found}


def leaders_first(events: Sequence[Event]) -> list[Event]:
    """`events` in the order they occurred, except that an event comes after the one it follows."""
    ordered = sorted(events, key=lambda e: (e.occurred, str(e.id)))
    by_id = {e.id: e for e in ordered}
    out: list[Event] = []
    placed: set[UUID] = set()
    for event in ordered:
        chain: list[Event] = []
        current: Event | None = event
        while current is not None and current.id not in placed and current not in chain:
            chain.append(current)
            current = by_id.get(current.follows) if current.follows is not None else None
        for item in reversed(chain):
            placed.add(item.id)
            out.append(item)
    return out
