"""Bodies of the deployment endpoints that are not a deployment itself."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.bodies.base import PagedBody
from prefect_core.schemas.filters import DeploymentFilter


class RunnerPoll(PagedBody):
    deployment_ids: list[UUID]
    scheduled_before: DateTime | None = None


class DeploymentBulkDelete(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deployments: DeploymentFilter | None = None
    limit: int = Field(default=50, ge=1, le=50)


class DeploymentSchedulesBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start_time: DateTime | None = None
    end_time: DateTime | None = None
    min_time: float | None = None
    min_runs: int | None = None
    max_runs: int | None = None
