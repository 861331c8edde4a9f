"""Health, version, settings and the other endpoints every client calls first."""

from __future__ import annotations

from aiohttp import web

from prefect_core import API_VERSION, PREFECT_API_COMPAT_VERSION
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


# The server's default result storage names a block document (one that can write paths);
# clients read it before persisting results. Deleting the document clears it.
@routes.get("/api/admin/storage")
async def admin_storage(request: web.Request) -> web.Response:
    block_id = await request.app[SERVICES].block_documents.default_storage()
    return respond({"default_result_storage_block_id": None if block_id is None else str(block_id)})


@routes.put("/api/admin/storage")
async def set_admin_storage(request: web.Request) -> web.Response:
    body = await body_as(request, StorageDefaultBody)
    await request.app[SERVICES].block_documents.set_default_storage(body.default_result_storage_block_id)
    return respond({"default_result_storage_block_id": str(body.default_result_storage_block_id)})


@routes.delete("/api/admin/storage")
async def clear_admin_storage(request: web.Request) -> web.Response:
    await request.app[SERVICES].block_documents.set_default_storage(None)
    return no_content()
