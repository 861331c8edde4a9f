"""Artifact and artifact collection filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.filters.base import FilterModel, Operator


class ArtifactFilterId(FilterModel):
    any_: list[UUID] | None = None


class ArtifactFilterKey(FilterModel):
    """`like_`: a substring (SQL wildcards allowed); `exists_`: a key is set (or not)."""

    any_: list[str] | None = None
    like_: str | None = None
    exists_: bool | None = None


class ArtifactFilterRunId(FilterModel):
    """By the flow run or task run an artifact belongs to."""

    any_: list[UUID] | None = None


class ArtifactFilterType(FilterModel):
    any_: list[str] | None = None
    not_any_: list[str] | None = None


class ArtifactFilter(FilterModel):
    """Only artifacts matching all criteria (or any, with `operator: or_`)."""

    operator: Operator = Operator.and_
    id: ArtifactFilterId | None = None
    key: ArtifactFilterKey | None = None
    flow_run_id: ArtifactFilterRunId | None = None
    task_run_id: ArtifactFilterRunId | None = None
    type: ArtifactFilterType | None = None


class ArtifactCollectionFilter(FilterModel):
    """Only collections matching all criteria; `latest_id` is the latest artifact's id."""

    operator: Operator = Operator.and_
    latest_id: ArtifactFilterId | None = None
    key: ArtifactFilterKey | None = None
    flow_run_id: ArtifactFilterRunId | None = None
    task_run_id: ArtifactFilterRunId | None = None
    type: ArtifactFilterType | None = None
