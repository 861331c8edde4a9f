"""Flows."""

from __future__ import annotations

from pydantic import Field

from prefect_core.schemas.base import ActionModel, KeyValueLabels, ORMModel


class Flow(ORMModel):
    name: str
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels | None = Field(default_factory=dict)


class FlowCreate(ActionModel):
    name: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    labels: KeyValueLabels | None = Field(default_factory=dict)


class FlowUpdate(ActionModel):
    tags: list[str] | None = None
