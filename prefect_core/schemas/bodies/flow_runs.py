"""Bodies of the flow run endpoints beyond create and update."""

from __future__ import annotations

from prefect_core.schemas.bodies.base import EmbeddedBody
from typing import Any


class ResumeBody(EmbeddedBody):
    run_input: dict[str, Any] | None = None
