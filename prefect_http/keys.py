"""Typed application keys."""

from __future__ import annotations

from aiohttp import web

from prefect_core.ports import Storage
from prefect_core.services import Services
from prefect_core.settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
STORAGE: web.AppKey[Storage] = web.AppKey("storage", object)  # type: ignore[arg-type]
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
