"""Health, version, settings and the other endpoints every client calls first."""

from __future__ import annotations

from aiohttp import web

from prefect_core import API_VERSION, PREFECT_API_COMPAT_VERSION
from prefect_core.errors import NotFound
from prefect_core.schemas.bodies.admin import StorageDefaultBody
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES, SETTINGS
from prefect_http.openapi import describe

routes = web.RouteTableDef()


@routes.get("/api/health")
@describe(response=bool, tags=["Root"])
async def health(request: web.Request) -> web.Response:
    return respond(True)


@routes.get("/api/version")
@describe(response=str, tags=["Root"])
async def version(request: web.Request) -> web.Response:
    return respond(API_VERSION)


@routes.get("/api/hello")
@describe(response=str, tags=["Root"])
async def hello(request: web.Request) -> web.Response:
    return respond("👋")


@routes.get("/api/ready")
async def ready(request: web.Request) -> web.Response:
    try:
        await request.app[SERVICES].storage.ping()
    except Exception:
        return respond({"message": "Database is not available"}, status=503)
    return respond({"message": "OK"})


@routes.get("/api/admin/version")
@describe(response=str)
async def admin_version(request: web.Request) -> web.Response:
    return respond(PREFECT_API_COMPAT_VERSION)


@routes.get("/api/admin/settings")
async def admin_settings(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    storage = request.app[SERVICES].storage.describe()
    return respond(
        {
            "server": {
                "api": {"host": settings.api_host, "port": settings.api_port},
                "database": storage,
                "logging_level": settings.logging_level,
                "csrf_protection_enabled": settings.csrf_protection_enabled,
            }
        }
    )


# The server's default result storage names a block document. This server keeps no
# blocks yet, so none is ever configured: GET answers null, PUT finds no such block
# (the reference's 404), DELETE has nothing to clear. A configuration table comes with blocks.
@routes.get("/api/admin/storage")
async def admin_storage(request: web.Request) -> web.Response:
    return respond({"default_result_storage_block_id": None})


@routes.put("/api/admin/storage")
async def set_admin_storage(request: web.Request) -> web.Response:
    body = await body_as(request, StorageDefaultBody)
    raise NotFound(f"Block document {body.default_result_storage_block_id} not found.")


@routes.delete("/api/admin/storage")
async def clear_admin_storage(request: web.Request) -> web.Response:
    return no_content()
