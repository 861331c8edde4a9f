"""Bodies of the admin endpoints."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict


class StorageDefaultBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_result_storage_block_id: UUID
