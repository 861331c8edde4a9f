"""Stopping background loops ends them even when a tick absorbs a cancellation."""

from __future__ import annotations

import asyncio

from prefect_core.services.background.loops import Loop, LoopRunner


async def test_stop_ends_a_loop_whose_tick_swallows_one_cancellation() -> None:
    ticks = 0

    async def stubborn() -> int:
        nonlocal ticks
        ticks += 1
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            pass  # as a library's wait_for may on Python 3.11: the cancellation is lost
        return 0

    runner = LoopRunner([Loop("stubborn", 0.0, stubborn)])
    runner.start()
    await asyncio.sleep(0.2)
    tasks = list(runner._tasks)
    await runner.stop(timeout=5.0)
    assert all(task.done() for task in tasks)
    assert ticks >= 2
