"""Automation filters (the body of /automations/filter and /automations/count)."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.base import DateTime
from prefect_core.schemas.filters.base import FilterModel, Operator


class AutomationFilterId(FilterModel):
    any_: list[UUID] | None = None


class AutomationFilterName(FilterModel):
    any_: list[str] | None = None


class AutomationFilterCreated(FilterModel):
    before_: DateTime | None = None


class AutomationFilterTags(FilterModel):
    operator: Operator = Operator.and_
    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: bool | None = None


class AutomationFilter(FilterModel):
    operator: Operator = Operator.and_
    id: AutomationFilterId | None = None
    name: AutomationFilterName | None = None
    created: AutomationFilterCreated | None = None
    tags: AutomationFilterTags | None = None
