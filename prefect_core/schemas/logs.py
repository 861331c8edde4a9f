"""Logs sent by runs."""

from __future__ import annotations

from uuid import UUID

from prefect_core.schemas.base import ActionModel, DateTime, ORMModel


class Log(ORMModel):
    name: str
    level: int
    message: str
    timestamp: DateTime
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class LogCreate(ActionModel):
    name: str
    level: int
    message: str
    timestamp: DateTime
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None
