"""Background task runs and the task workers that subscribe to them.

`task.delay()` creates a task run in a SCHEDULED, deferred state; it waits in
an in-memory queue per task key until a task worker subscribed to that key
takes it. A run handed to a worker that goes away before acknowledging it is
put back (ahead of new ones) and delivered again.

The queues live in this server process. Scheduled background runs already in
the database (from before a restart) are loaded the first time a worker
subscribes to their key.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from uuid import UUID

from prefect_core.ports import Storage
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.filters import TaskRunFilter, TaskRunFilterState, TaskRunFilterStateType
from prefect_core.schemas.runs import TaskRun
from prefect_core.schemas.sorting import TaskRunSort
from prefect_core.schemas.states import StateType

#: At most this many stored runs are loaded per restore.
_RESTORE_LIMIT = 1000


def is_background_run(run: TaskRun) -> bool:
    """A run waiting for a task worker: SCHEDULED and deferred."""
    return run.state is not None and run.state.type is StateType.SCHEDULED and bool(run.state.state_details.deferred)


class TaskWorkerService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._scheduled: dict[str, deque[TaskRun]] = {}
        self._retry: dict[str, deque[TaskRun]] = {}
        #: Runs queued or handed out and not yet acknowledged (so a restore never doubles one).
        self._outstanding: set[UUID] = set()
        self._restored: set[str] = set()
        self._changed = asyncio.Event()

    def enqueue(self, run: TaskRun) -> None:
        """Queue a background run for its task key (once)."""
        if run.id in self._outstanding:
            return
        self._outstanding.add(run.id)
        self._scheduled.setdefault(run.task_key, deque()).append(run)
        self._wake()

    def redeliver(self, run: TaskRun) -> None:
        """Put back a run whose worker went away before acknowledging it."""
        self._retry.setdefault(run.task_key, deque()).append(run)
        self._wake()

    def acknowledge(self, run: TaskRun) -> None:
        self._outstanding.discard(run.id)

    def _wake(self) -> None:
        self._changed.set()

    def _pop(self, keys: Iterable[str]) -> TaskRun | None:
        for source in (self._retry, self._scheduled):
            for key in keys:
                queue = source.get(key)
                if queue:
                    return queue.popleft()
        return None

    async def next_run(self, keys: list[str], timeout: float) -> TaskRun | None:
        """The next run for any of `keys` (retries first), or None after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            run = self._pop(keys)
            if run is not None:
                return run
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            self._changed.clear()
            try:
                async with asyncio.timeout(remaining):  # not wait_for: it can swallow a cancellation on 3.11
                    await self._changed.wait()
            except TimeoutError:
                return None

    async def restore(self, keys: list[str]) -> None:
        """Queue the stored, still scheduled background runs of `keys` not restored before."""
        fresh = [k for k in keys if k not in self._restored]
        if not fresh:
            return
        self._restored.update(fresh)
        query = RunFilterBody(
            task_runs=TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(any_=[StateType.SCHEDULED])))
        )
        async with self.storage.read() as uow:
            runs = await uow.task_runs.filter(query, TaskRunSort.EXPECTED_START_TIME_ASC, 0, _RESTORE_LIMIT)
        for run in runs:
            if run.task_key in fresh and is_background_run(run):
                self.enqueue(run)
