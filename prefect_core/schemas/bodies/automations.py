"""Request bodies of /automations/filter and /automations/count."""

from __future__ import annotations

from pydantic import Field

from prefect_core.schemas.automations import AutomationSort
from prefect_core.schemas.bodies.base import EmbeddedBody, PagedBody
from prefect_core.schemas.filters.automations import AutomationFilter


class AutomationFilterBody(PagedBody):
    sort: AutomationSort = AutomationSort.NAME_ASC
    automations: AutomationFilter | None = None


class AutomationCountBody(EmbeddedBody):
    automations: AutomationFilter | None = Field(default=None)
