"""The template render pool's worker processes: started by the first render only, killed when
a render overruns its wall-clock deadline or CPU budget (and replaced), stopped by `close`."""

from __future__ import annotations

import asyncio

import pytest

from prefect_core.automations.render_pool import RenderLimits, RenderPool, RenderRefused

pytestmark = pytest.mark.timeout(60)

CPU_BOUND = "{% for i in 'x' * 100000 %}{% for j in 'x' * 100000 %}{{ '' }}{% endfor %}{% endfor %}"


def _pids(pool: RenderPool) -> set[int]:
    return {w.process.pid for w in [*pool._idle, *pool._busy]}


async def test_workers_start_on_the_first_render_and_stop_on_close() -> None:
    pool = RenderPool()
    assert not pool.started
    assert await pool.render("{{ a }}-{{ b | upper }}", {"a": 1, "b": "x"}) == "1-X"
    assert pool.started
    (pid,) = _pids(pool)
    assert await pool.render("{{ 2 + 2 }}", {}) == "4"
    assert _pids(pool) == {pid}  # the idle worker is reused
    process = pool._idle[0].process
    pool.close()
    assert not pool.started and process.poll() is not None


async def test_an_overrunning_render_is_killed_and_others_keep_rendering() -> None:
    pool = RenderPool(RenderLimits(cpu_seconds=30, wall_seconds=1.0, workers=2))
    try:
        hostile = asyncio.ensure_future(pool.render(CPU_BOUND, {}))
        # The second worker renders while the first is busy with the hostile template.
        assert await pool.render("{{ 'still' }} {{ 'here' }}", {}) == "still here"
        with pytest.raises(RenderRefused) as refused:
            await hostile
        assert refused.value.error_repr.startswith("TimeoutError(") and "1 seconds" in refused.value.message
        assert len(_pids(pool)) == 1  # the killed worker is gone; the healthy one stays idle
        assert await pool.render("{{ 1 }}", {}) == "1"
    finally:
        pool.close()


async def test_a_render_past_its_cpu_budget_is_refused() -> None:
    pool = RenderPool(RenderLimits(cpu_seconds=1, wall_seconds=60.0, workers=1))
    try:
        with pytest.raises(RenderRefused) as refused:
            await pool.render(CPU_BOUND, {})
        assert "seconds of CPU time" in refused.value.message
        assert await pool.render("{{ 'next' }}", {}) == "next"
    finally:
        pool.close()


async def test_a_render_past_its_memory_budget_is_refused() -> None:
    pool = RenderPool(RenderLimits(memory_bytes=64 * 1024 * 1024, workers=1))
    try:
        with pytest.raises(RenderRefused) as refused:
            await pool.render("{{ 'a' * (200 * 1024 * 1024) }}", {})
        assert refused.value.error_repr.startswith("MemoryError(")
    finally:
        pool.close()
    short = RenderPool(RenderLimits(max_output_chars=10, workers=1))
    try:
        assert await short.render("{{ 'a' * 10 }}", {}) == "a" * 10
        with pytest.raises(RenderRefused) as too_long:
            await short.render("{{ 'a' * 11 }}", {})
        assert too_long.value.error_repr.startswith("OverflowError(")
    finally:
        short.close()
