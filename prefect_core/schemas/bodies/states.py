"""Bodies of the set_state endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from prefect_core.schemas.states import StateCreate


class SetStateBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    state: StateCreate
    force: bool = False
