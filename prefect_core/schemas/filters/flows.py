"""Flow filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.filters.base import FilterModel, Operator


class FlowFilterDeployment(FilterModel):
    """Filter by flows by deployment"""

    operator: Operator = Operator.and_
    is_null_: bool | None = None


class FlowFilterId(FilterModel):
    """Filter by `Flow.id`."""

    any_: list[UUID] | None = None
    not_any_: list[UUID] | None = None


class FlowFilterName(FilterModel):
    """Filter by `Flow.name`."""

    any_: list[str] | None = None
    like_: str | None = None


class FlowFilterTags(FilterModel):
    """Filter by `Flow.tags`."""

    operator: Operator = Operator.and_
    all_: list[str] | None = None
    is_null_: bool | None = None


class FlowFilter(FilterModel):
    """Filter for flows. Only flows matching all criteria will be returned."""

    operator: Operator = Operator.and_
    id: FlowFilterId | None = None
    deployment: FlowFilterDeployment | None = None
    name: FlowFilterName | None = None
    tags: FlowFilterTags | None = None
