"""Artifact and artifact collection filters (named as the reference names them)."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.filters.base import FilterModel, Operator


class ArtifactFilterId(FilterModel):
    """Filter by `Artifact.id`."""

    any_: list[UUID] | None = None


class ArtifactFilterKey(FilterModel):
    """Filter by `Artifact.key`: `like_` a substring (SQL wildcards allowed), `exists_` a key is set (or not)."""

    any_: list[str] | None = None
    like_: str | None = None
    exists_: bool | None = None


class ArtifactFilterFlowRunId(FilterModel):
    """Filter by `Artifact.flow_run_id`."""

    any_: list[UUID] | None = None


class ArtifactFilterTaskRunId(FilterModel):
    """Filter by `Artifact.task_run_id`."""

    any_: list[UUID] | None = None


class ArtifactFilterType(FilterModel):
    """Filter by `Artifact.type`."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class ArtifactFilter(FilterModel):
    """Only artifacts matching all criteria (or any, with `operator: or_`)."""

    operator: Operator = Operator.and_
    id: ArtifactFilterId | None = None
    key: ArtifactFilterKey | None = None
    flow_run_id: ArtifactFilterFlowRunId | None = None
    task_run_id: ArtifactFilterTaskRunId | None = None
    type: ArtifactFilterType | None = None


class ArtifactCollectionFilterLatestId(ArtifactFilterId):
    """Filter by `ArtifactCollection.latest_id` (the latest artifact's id)."""


class ArtifactCollectionFilterKey(ArtifactFilterKey):
    """Filter by `ArtifactCollection.key`."""


class ArtifactCollectionFilterFlowRunId(ArtifactFilterFlowRunId):
    """Filter by `ArtifactCollection.flow_run_id`."""


class ArtifactCollectionFilterTaskRunId(ArtifactFilterTaskRunId):
    """Filter by `ArtifactCollection.task_run_id`."""


class ArtifactCollectionFilterType(ArtifactFilterType):
    """Filter by `ArtifactCollection.type`."""


class ArtifactCollectionFilter(FilterModel):
    """Only collections matching all criteria (or any, with `operator: or_`)."""

    operator: Operator = Operator.and_
    latest_id: ArtifactCollectionFilterLatestId | None = None
    key: ArtifactCollectionFilterKey | None = None
    flow_run_id: ArtifactCollectionFilterFlowRunId | None = None
    task_run_id: ArtifactCollectionFilterTaskRunId | None = None
    type: ArtifactCollectionFilterType | None = None
