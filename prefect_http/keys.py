"""Typed application keys."""

from __future__ import annotations

from aiohttp import web

from prefect_core.ports import Storage
from prefect_core.services import Services
from prefect_core.settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
# No runtime type for the key: `Storage` is a Protocol (the annotation types it).
STORAGE: web.AppKey[Storage] = web.AppKey("storage")
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
