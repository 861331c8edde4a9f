"""Bodies of `/artifacts/filter`, `/artifacts/count` and their `/artifacts/latest/...` twins."""

from __future__ import annotations

from pydantic import Field

from prefect_core.schemas import filters as f
from prefect_core.schemas.artifacts import ArtifactCollectionSort, ArtifactSort
from prefect_core.schemas.bodies.base import DEFAULT_LIMIT, MAX_OFFSET, EmbeddedBody
from prefect_core.schemas.filters.artifacts import ArtifactCollectionFilter, ArtifactFilter


class _RunFilters(EmbeddedBody):
    """The run filters an artifact query joins on: artifacts of flow runs (of flows and
    deployments) and of task runs matching them."""

    flow_runs: f.FlowRunFilter | None = None
    task_runs: f.TaskRunFilter | None = None
    flows: f.FlowFilter | None = None
    deployments: f.DeploymentFilter | None = None


class ArtifactCount(_RunFilters):
    artifacts: ArtifactFilter | None = None


class ArtifactQuery(ArtifactCount):
    sort: ArtifactSort = ArtifactSort.ID_DESC
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)


class ArtifactCollectionCount(_RunFilters):
    artifacts: ArtifactCollectionFilter | None = None


class ArtifactCollectionQuery(ArtifactCollectionCount):
    sort: ArtifactCollectionSort = ArtifactCollectionSort.ID_DESC
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=DEFAULT_LIMIT, ge=0, le=DEFAULT_LIMIT)
