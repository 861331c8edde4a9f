"""The automation services: TRIGGERS evaluates proactive triggers on a clock (reactive
ones are evaluated as events are stored, see `prefect_core.automations.runtime`), and
ACTIONS carries out what fired."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect_core.automations.runtime import AutomationRuntime
from prefect_core.services.background.loops import Loop

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings


class ProactiveTriggers:
    name = "triggers"

    def __init__(self, runtime: AutomationRuntime, *, interval: float = 5.0) -> None:
        self.runtime = runtime
        self.interval = interval

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> ProactiveTriggers:
        interval = settings.service_option("triggers", "loop_seconds", 5.0)
        return cls(services.automation_runtime, interval=interval)

    def loops(self) -> list[Loop]:
        return [Loop(self.name, self.interval, self.runtime.evaluate_proactive)]


#: Seconds the actions loop waits for a firing before it wakes up idle.
IDLE_WAIT_S = 60.0


class AutomationActions:
    name = "actions"

    def __init__(self, runtime: AutomationRuntime) -> None:
        self.runtime = runtime

    @classmethod
    def from_settings(cls, services: Services, settings: Settings) -> AutomationActions:
        return cls(services.automation_runtime)

    async def tick(self) -> int:
        # Waits for the next firing, then acts on all that are queued. The wait is long
        # because a firing ends it at once and a stop cancels it: each idle wake-up cost
        # ~0.2 ms of CPU, a second wait made that a quarter of an idle server's CPU.
        return await self.runtime.act_on_pending(wait=IDLE_WAIT_S)

    def loops(self) -> list[Loop]:
        return [Loop(self.name, 0.0, self.tick, timeout=IDLE_WAIT_S + 300.0)]
