"""The application factory."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from typing import Any

import pluggy
from aiohttp import web

from prefect_core.automations import render_pool
from prefect_core.events.brokers import make_event_broker
from prefect_core.events.pipeline import EventPipeline
from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.services import Services
from prefect_core.settings import Settings
from prefect_http.auth import auth_middleware
from prefect_http.background import background_services_ctx
from prefect_http.csrf import csrf_middleware
from prefect_http.errors import error_middleware
from prefect_http.keys import SERVICES, SETTINGS, STORAGE
from prefect_http.openapi import endpoints as openapi_endpoints
from prefect_http.outbound import AiohttpOutboundHttp
from prefect_http.registry import ROUTE_MODULES
from prefect_http.ui import site as ui_site
from prefect_http.ws import protocol as ws_protocol


def _middlewares(settings: Settings) -> list[Any]:
    """Outermost first; the optional ones only when switched on (each costs every request)."""
    chain: list[Any] = [error_middleware]
    if settings.csrf_protection_enabled:
        chain.append(csrf_middleware)
    if settings.api_auth_string is not None:
        chain.append(auth_middleware(settings.api_auth_string.get_secret_value()))
    return chain


def create_app(settings: Settings, *, plugin_manager: pluggy.PluginManager | None = None) -> web.Application:
    """Build the aiohttp application. Storage opens on start-up and closes on clean-up."""
    pm = plugin_manager or make_plugin_manager()
    backend = select_storage_backend(pm, settings)
    app = web.Application(
        client_max_size=settings.max_request_body_bytes,
        middlewares=_middlewares(settings),
    )
    app[SETTINGS] = settings
    for name in ROUTE_MODULES:
        app.router.add_routes(importlib.import_module(name).routes)
    openapi_endpoints.install(app)
    ui_site.install(app, settings)  # last: its file route takes what no other route matched

    ws_protocol.install(app)
    broker = make_event_broker(pm, settings)

    async def storage_ctx(app: web.Application) -> AsyncIterator[None]:
        async with backend.open() as storage, AiohttpOutboundHttp() as http:
            # The pipeline stops (flushing what it holds) before storage closes.
            pipeline = EventPipeline(storage, broker, flush_interval=settings.event_flush_interval)
            try:
                async with pipeline.running():
                    app[STORAGE] = storage
                    app[SERVICES] = Services(storage, settings, events=pipeline, broker=broker, http=http)
                    pipeline.observers.append(app[SERVICES].automation_runtime.observe)
                    await app[SERVICES].system_blocks.register()
                    await app[SERVICES].block_documents.prepare()
                    yield
            finally:
                await broker.close()

    async def stop_render_workers(app: web.Application) -> None:
        # Template render workers (started by the first render, if any) end with the app.
        render_pool.POOL.close()

    app.on_cleanup.append(stop_render_workers)
    app.cleanup_ctx.append(storage_ctx)
    app.cleanup_ctx.append(background_services_ctx)
    return app
