"""Deployment filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.filters.base import FilterModel, Operator


class DeploymentOrFlowNameFilter(FilterModel):
    """Filter by `Deployment.name` or `Flow.name` with a single input string for ilike filtering."""

    like_: str | None = None


class DeploymentFilterConcurrencyLimit(FilterModel):
    """DEPRECATED: Prefer `Deployment.concurrency_limit_id` over `Deployment.concurrency_limit`."""

    ge_: int | None = None
    le_: int | None = None
    is_null_: bool | None = None


class DeploymentFilterId(FilterModel):
    """Filter by `Deployment.id`."""

    any_: list[UUID] | None = None
    not_any_: list[UUID] | None = None


class DeploymentFilterName(FilterModel):
    """Filter by `Deployment.name`."""

    any_: list[str] | None = None
    like_: str | None = None


class DeploymentFilterPaused(FilterModel):
    """Filter by `Deployment.paused`."""

    eq_: bool | None = None


class DeploymentFilterTags(FilterModel):
    """Filter by `Deployment.tags`."""

    operator: Operator = Operator.and_
    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: bool | None = None


class DeploymentFilterWorkQueueName(FilterModel):
    """Filter by `Deployment.work_queue_name`."""

    any_: list[str] | None = None


class DeploymentFilter(FilterModel):
    """Filter for deployments. Only deployments matching all criteria will be returned."""

    operator: Operator = Operator.and_
    id: DeploymentFilterId | None = None
    name: DeploymentFilterName | None = None
    flow_or_deployment_name: DeploymentOrFlowNameFilter | None = None
    paused: DeploymentFilterPaused | None = None
    tags: DeploymentFilterTags | None = None
    work_queue_name: DeploymentFilterWorkQueueName | None = None
    concurrency_limit: DeploymentFilterConcurrencyLimit | None = None
