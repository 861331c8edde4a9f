"""Bodies of the worker endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from prefect_core.schemas.bodies.base import PagedBody
from prefect_core.schemas.filters import WorkerFilter


class WorkerHeartbeat(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    heartbeat_interval_seconds: int | None = None


class WorkerQuery(PagedBody):
    workers: WorkerFilter | None = None
