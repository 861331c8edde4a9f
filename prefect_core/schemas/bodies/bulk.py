"""Bodies and answers of the bulk endpoints (`/flows/bulk_delete`, `/flow_runs/bulk_*`)."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from prefect_core.schemas.base import PrefectModel
from prefect_core.schemas.bodies.base import EmbeddedBody
from prefect_core.schemas.filters import FlowFilter, FlowRunFilter
from prefect_core.schemas.responses import SetStateStatus, StateResponseDetails
from prefect_core.schemas.states import State, StateCreate

#: Most objects one bulk request touches (the reference's BULK_OPERATION_LIMIT).
BULK_LIMIT = 50


class FlowBulkDelete(EmbeddedBody):
    flows: FlowFilter | None = None
    limit: int = Field(default=BULK_LIMIT, ge=1, le=BULK_LIMIT)


class FlowRunBulkDelete(EmbeddedBody):
    flow_runs: FlowRunFilter | None = None
    limit: int = Field(default=BULK_LIMIT, ge=1, le=BULK_LIMIT)


class FlowRunBulkSetState(EmbeddedBody):
    flow_runs: FlowRunFilter | None = None
    state: StateCreate
    force: bool = False
    limit: int = Field(default=BULK_LIMIT, ge=1, le=BULK_LIMIT)


class BulkDeleteResponse(PrefectModel):
    deleted: list[UUID] = Field(default_factory=list)


class FlowRunOrchestrationResult(PrefectModel):
    """What setting the state of one of the runs came to."""

    flow_run_id: UUID
    status: SetStateStatus
    state: State | None = None
    details: StateResponseDetails = Field(discriminator="type")


class FlowRunBulkSetStateResponse(PrefectModel):
    results: list[FlowRunOrchestrationResult] = Field(default_factory=list)
