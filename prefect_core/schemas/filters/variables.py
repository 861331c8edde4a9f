"""Variable filters."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.filters.base import FilterModel, Operator


class VariableFilterId(FilterModel):
    """Filter by `Variable.id`."""

    any_: list[UUID] | None = None


class VariableFilterName(FilterModel):
    """Filter by `Variable.name` (`like_`: a substring, SQL wildcards allowed)."""

    any_: list[str] | None = None
    like_: str | None = None


class VariableFilterTags(FilterModel):
    """Filter by `Variable.tags`."""

    operator: Operator = Operator.and_
    all_: list[str] | None = None
    is_null_: bool | None = None


class VariableFilter(FilterModel):
    """Only variables matching all criteria (or any, with `operator: or_`)."""

    operator: Operator = Operator.and_
    id: VariableFilterId | None = None
    name: VariableFilterName | None = None
    tags: VariableFilterTags | None = None
