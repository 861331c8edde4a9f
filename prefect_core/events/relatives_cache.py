"""The relatives a flow run's state-change events name, kept for a while.

Every accepted flow-run transition announces itself with an event naming the run's flow,
deployment, work queue, work pool and parent task run (`state_events.related_resources`).
Reading them is a query per transition, although they rarely change while a run moves
through its states; the reference keeps them per run for
`PREFECT_SERVER_EVENTS_RELATED_RESOURCE_CACHE_TTL` (five minutes by default, 1,000 runs).
So does this cache, keyed by what the read depends on (the run's flow, deployment, work
queue and parent task run ids): a run moved to another work queue is read afresh, while a
renamed or retagged flow or deployment shows in events once its entry expires, as in the
reference.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from uuid import UUID

from prefect_core.ports import FlowRunRelatives

#: What the relatives of a flow run are read by: flow, deployment, work queue, parent task run.
RelativesKey = tuple[UUID, UUID | None, UUID | None, UUID | None]

#: The reference's bound on the runs it keeps relatives for.
DEFAULT_MAX_ENTRIES = 1000


class RelativesCache:
    """`FlowRunRelatives` by `RelativesKey`, each for `ttl_seconds` after it was read; the
    least recently stored entries go first beyond `max_entries`. A ttl of 0 keeps nothing."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[RelativesKey, tuple[float, FlowRunRelatives]] = OrderedDict()

    def get(self, key: RelativesKey) -> FlowRunRelatives | None:
        """The relatives stored for `key`, or None when there are none or they expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, relatives = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        return relatives

    def put(self, key: RelativesKey, relatives: FlowRunRelatives) -> None:
        """Keep `relatives` for `key` (replacing what was there) for the next `ttl_seconds`."""
        if self.ttl_seconds <= 0 or self.max_entries <= 0:
            return
        entries = self._entries
        entries.pop(key, None)
        entries[key] = (self._clock() + self.ttl_seconds, relatives)
        while len(entries) > self.max_entries:
            entries.popitem(last=False)

    def size(self) -> int:
        """How many entries are kept (expired ones included until they are next asked for)."""
        return len(self._entries)
