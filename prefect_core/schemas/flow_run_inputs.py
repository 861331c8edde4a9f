"""Inputs sent to a flow run: keyed text values (e.g. what a paused run waits for)."""

from __future__ import annotations

import re
from uuid import UUID

from pydantic import Field, field_validator

from prefect_core.schemas.base import ORMModel
from prefect_core.schemas.bodies.base import EmbeddedBody

#: Keys end up in URLs (`GET /flow_runs/{id}/input/{key}`); the reference allows these only.
_KEY = re.compile(r"[a-z0-9-]*")
#: The stored key's column width.
MAX_KEY_LENGTH = 255


class FlowRunInput(ORMModel):
    flow_run_id: UUID
    key: str
    value: str
    sender: str | None = None


class FlowRunInputCreate(EmbeddedBody):
    """`POST /flow_runs/{id}/input`."""

    key: str = Field(max_length=MAX_KEY_LENGTH)
    # bytes, as the reference declares it (so a number is refused as a non-bytes value)
    value: bytes
    sender: str | None = None

    @field_validator("key")
    @classmethod
    def _lowercase_dashes(cls, value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ValueError("key must only contain lowercase letters, numbers, and dashes.")
        return value


class FlowRunInputQuery(EmbeddedBody):
    """`POST /flow_runs/{id}/input/filter`: inputs whose key starts with `prefix`, oldest first."""

    prefix: str
    limit: int = 1
    exclude_keys: list[str] = Field(default_factory=list)
