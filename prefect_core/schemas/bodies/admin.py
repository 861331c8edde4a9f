"""Bodies of the admin endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from uuid import UUID


class StorageDefaultBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_result_storage_block_id: UUID
