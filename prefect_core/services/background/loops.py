"""Running background ticks on a fixed cadence, and choosing which run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from prefect_core.errors import StorageUnavailable

if TYPE_CHECKING:  # the container builds these services: importing it at run time would be a cycle
    from prefect_core.services.container import Services
    from prefect_core.settings import Settings

log = logging.getLogger("prefect_core.services.background")

Tick = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Loop:
    """One periodic job: `tick` every `interval` seconds, each tick at most `timeout` long."""

    name: str
    interval: float
    tick: Tick
    timeout: float = 120.0


async def run_loop(loop: Loop) -> None:
    """Tick until cancelled. A failing or overlong tick is logged; the loop goes on."""
    while True:
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that arrives as the tick ends, and the loop would then outlive its stop().
            async with asyncio.timeout(loop.timeout):
                await loop.tick()
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # the tick absorbed a stop(): honour it
                raise asyncio.CancelledError
        except asyncio.CancelledError:
            raise
        except StorageUnavailable as exc:
            log.info("%s: storage busy, retrying next tick (%s)", loop.name, exc)
        except TimeoutError:
            log.warning("%s: tick took longer than %.0fs; abandoned", loop.name, loop.timeout)
        except Exception:
            log.exception("%s: tick failed", loop.name)
        await asyncio.sleep(loop.interval)


class LoopRunner:
    """Starts loops as asyncio tasks and stops them all (cancel, then wait)."""

    def __init__(self, loops: list[Loop]) -> None:
        self.loops = loops
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(run_loop(loop), name=f"service:{loop.name}") for loop in self.loops]

    async def stop(self, timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        pending = set(self._tasks)
        # A tick's own code may absorb one cancellation (a library's wait_for): ask again.
        while pending and asyncio.get_running_loop().time() < deadline:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(
                pending, timeout=min(0.5, max(0.0, deadline - asyncio.get_running_loop().time()))
            )
        self._tasks = []


class BackgroundService(Protocol):
    """A configured background service: the loops it wants run."""

    def loops(self) -> list[Loop]: ...


class BackgroundServiceKind(Protocol):
    """A background service class: its settings name, and how it is built from settings."""

    name: str

    def from_settings(self, services: Services, settings: Settings) -> BackgroundService: ...


def build_loops(services: Services, settings: Settings) -> list[Loop]:
    """The loops of every enabled service, configured from `settings`."""
    from prefect_core.services.background.automations import AutomationActions, ProactiveTriggers
    from prefect_core.services.background.cancellation import CancellationCleanup
    from prefect_core.services.background.event_retention import EventRetention
    from prefect_core.services.background.foreman import Foreman
    from prefect_core.services.background.late_runs import LateRuns
    from prefect_core.services.background.pauses import PauseExpirations
    from prefect_core.services.background.repossessor import Repossessor
    from prefect_core.services.background.scheduler import Scheduler

    kinds: list[BackgroundServiceKind] = [
        Scheduler,
        LateRuns,
        Foreman,
        CancellationCleanup,
        PauseExpirations,
        Repossessor,
        EventRetention,
        ProactiveTriggers,
        AutomationActions,
    ]
    loops: list[Loop] = []
    for service in kinds:
        if settings.service_enabled(service.name):
            loops.extend(service.from_settings(services, settings).loops())
    return loops
