"""Background services as part of the app's lifecycle: started once storage is
open, stopped (cancelled and awaited) before it closes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from prefect_core.services.background import LoopRunner, build_loops
from prefect_http.keys import SERVICES, SETTINGS


async def background_services_ctx(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context; append it after the one that opens storage."""
    runner = LoopRunner(build_loops(app[SERVICES], app[SETTINGS]))
    runner.start()
    try:
        yield
    finally:
        await runner.stop()
