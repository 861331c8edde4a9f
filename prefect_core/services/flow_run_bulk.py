"""Use cases over many flows or flow runs at once: bulk deletes, bulk state
changes, and the average lateness of the runs a filter selects."""

from __future__ import annotations

import datetime as dt

from prefect_core import run_facts, timeutil
from prefect_core.errors import DomainError
from prefect_core.ports import RunStart, Storage
from prefect_core.schemas.bodies.bulk import (
    BulkDeleteResponse,
    FlowBulkDelete,
    FlowRunBulkDelete,
    FlowRunBulkSetState,
    FlowRunBulkSetStateResponse,
    FlowRunOrchestrationResult,
)
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.responses import SetStateStatus, StateAbortDetails
from prefect_core.schemas.sorting import FlowRunSort, FlowSort
from prefect_core.services.orchestration import OrchestrationService


def lateness_seconds(run: RunStart, now: dt.datetime) -> float:
    """How late `run` is (see `prefect_core.run_facts.lateness_seconds`)."""
    return run_facts.lateness_seconds(run.expected_start_time, run.start_time, run.state_type, now)


class BulkService:
    def __init__(self, storage: Storage, orchestration: OrchestrationService) -> None:
        self.storage = storage
        self.orchestration = orchestration

    async def delete_flows(self, body: FlowBulkDelete) -> BulkDeleteResponse:
        """Delete the first `limit` flows (by name) matching the filter; their
        deployments and runs go with them. Returns the ids deleted."""
        async with self.storage.write() as uow:
            flows = await uow.flows.filter(RunFilterBody(flows=body.flows), FlowSort.NAME_ASC, 0, body.limit)
            deleted = [flow.id for flow in flows if await uow.flows.delete(flow.id)]
        return BulkDeleteResponse(deleted=deleted)

    async def delete_flow_runs(self, body: FlowRunBulkDelete) -> BulkDeleteResponse:
        """Delete the first `limit` flow runs (newest id first) matching the filter.
        Returns the ids deleted."""
        async with self.storage.write() as uow:
            runs = await uow.flow_runs.filter(
                RunFilterBody(flow_runs=body.flow_runs), FlowRunSort.ID_DESC, 0, body.limit
            )
            deleted = [run.id for run in runs if await uow.flow_runs.delete(run.id)]
        return BulkDeleteResponse(deleted=deleted)

    async def set_flow_run_states(
        self, body: FlowRunBulkSetState, client_version: str | None = None
    ) -> FlowRunBulkSetStateResponse:
        """Propose `body.state` to each of the first `limit` matching flow runs, one
        transaction per run as a single set_state would; a run that cannot be
        orchestrated (deleted meanwhile...) is reported as aborted, not raised."""
        async with self.storage.read() as uow:
            runs = await uow.flow_runs.filter(
                RunFilterBody(flow_runs=body.flow_runs), FlowRunSort.ID_DESC, 0, body.limit
            )
        results = []
        for run in runs:
            try:
                result = await self.orchestration.set_flow_run_state(
                    run.id, body.state, force=body.force, client_version=client_version
                )
            except DomainError as exc:
                results.append(
                    FlowRunOrchestrationResult(
                        flow_run_id=run.id, status=SetStateStatus.ABORT, details=StateAbortDetails(reason=exc.detail)
                    )
                )
                continue
            results.append(
                FlowRunOrchestrationResult(
                    flow_run_id=run.id, status=result.status, state=result.state, details=result.details
                )
            )
        return FlowRunBulkSetStateResponse(results=results)

    async def flow_run_lateness(self, filters: RunFilterBody) -> float | None:
        """Average lateness in seconds of the matching flow runs (None when none match)."""
        now = timeutil.now()
        async with self.storage.read() as uow:
            starts = await uow.flow_run_starts.starts(filters)
        if not starts:
            return None
        return sum(lateness_seconds(run, now) for run in starts) / len(starts)
