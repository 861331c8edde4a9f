"""What a flow run's state-change events name besides the run itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class Relative:
    """An object a flow run's events name as a related resource."""

    id: UUID
    name: str
    tags: tuple[str, ...] = ()
    #: A work pool's type.
    type: str | None = None


@dataclass(frozen=True)
class FlowRunRelatives:
    """A flow run's flow, deployment, work queue, work pool and parent task run (those it has)."""

    flow: Relative | None = None
    deployment: Relative | None = None
    work_queue: Relative | None = None
    work_pool: Relative | None = None
    parent_task_run: Relative | None = None


class FlowRunRelativesRepository(Protocol):
    """The relatives of flow runs, for their events."""

    async def get(
        self,
        flow_id: UUID,
        *,
        deployment_id: UUID | None,
        work_queue_id: UUID | None,
        parent_task_run_id: UUID | None,
    ) -> FlowRunRelatives:
        """The run's flow, deployment, work queue (and its pool) and parent task run,
        in one read; what does not exist is None."""
        ...
