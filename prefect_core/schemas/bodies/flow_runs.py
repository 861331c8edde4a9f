"""Bodies of the flow run endpoints beyond create and update."""

from __future__ import annotations

from typing import Any

from prefect_core.schemas.bodies.base import EmbeddedBody


class ResumeBody(EmbeddedBody):
    run_input: dict[str, Any] | None = None
