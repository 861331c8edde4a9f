"""Which task workers are connected, for `POST /task_workers/filter`.

A worker is known from its subscription until its socket closes; its timestamp is
when it was last seen (subscribing, or taking a run). Kept in this server process,
as the reference keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from prefect_core import timeutil
from prefect_core.schemas.base import DateTime, PrefectModel


class TaskWorker(PrefectModel):
    identifier: str
    task_keys: list[str]
    timestamp: DateTime


class TaskWorkerTracker:
    def __init__(self) -> None:
        self._keys: dict[str, set[str]] = {}
        self._seen: dict[str, dt.datetime] = {}

    def observe(self, worker_id: str, task_keys: Iterable[str]) -> None:
        """`worker_id` is connected and serves `task_keys` (added to what it served)."""
        self._keys.setdefault(worker_id, set()).update(task_keys)
        self._seen[worker_id] = timeutil.now()

    def forget(self, worker_id: str) -> None:
        self._keys.pop(worker_id, None)
        self._seen.pop(worker_id, None)

    def workers(self, task_keys: Iterable[str] | None = None) -> list[TaskWorker]:
        """The connected workers, or those serving any of `task_keys` when some are given."""
        wanted = set(task_keys or ())
        return [
            TaskWorker(identifier=worker_id, task_keys=sorted(keys), timestamp=self._seen[worker_id])
            for worker_id, keys in self._keys.items()
            if not wanted or keys & wanted
        ]
