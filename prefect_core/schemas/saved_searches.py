"""Saved searches: named filter sets the UI keeps."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from prefect_core.schemas.base import ActionModel, ORMModel, PrefectModel

#: The stored name's column width (the reference leaves names unbounded).
MAX_NAME_LENGTH = 255


class SavedSearchFilter(PrefectModel):
    """One criterion, as the UI describes it (e.g. flow run `tags` `contains` "x")."""

    object: str
    property: str
    type: str
    operation: str
    value: Any = Field(...)


class SavedSearch(ORMModel):
    name: str
    filters: list[SavedSearchFilter] = Field(default_factory=list)


class SavedSearchCreate(ActionModel):
    """`PUT /saved_searches/`: creates the search, or replaces the filters of the one of that name."""

    name: str = Field(max_length=MAX_NAME_LENGTH)
    filters: list[SavedSearchFilter] = Field(default_factory=list)
