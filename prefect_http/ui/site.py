"""The web UI: `/ui-settings`, the bundles' files, SPA fallback and the V1/V2 choice.

What the reference does, and so this does:
- A browser navigating to the V1 root (`/`) is sent (307) to the UI it prefers: the
  `prefect_ui_version` cookie when it names a served UI, else the default (V2 unless
  `PREFECT_SERVER_UI_V2_ENABLED=false`). Deeper V1 paths are V1's own.
- A path under a bundle that names no file gives the bundle's `index.html` (the
  single-page app routes it) when the client accepts HTML, and 404 otherwise, so a
  missing script is an error, not a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from prefect_core.settings import Settings
from prefect_http.jsonio import respond
from prefect_http.ui.bundles import Bundle, Version, prepare_bundles
from prefect_http.ui.paths import bundle_bases, join, relative_to, under
from prefect_http.ui.static import file_response, find

VERSION_COOKIE = "prefect_ui_version"
#: The REST API's prefix: never a UI path.
API_PREFIX = "/api"


@dataclass(frozen=True)
class UiSite:
    """The bundles served and the settings the UI is told about."""

    settings: Settings
    bundles: dict[Version, Bundle]
    v1_base: str
    v2_base: str

    @property
    def available(self) -> list[Version]:
        return [v for v in ("v1", "v2") if v in self.bundles]

    @property
    def default_ui(self) -> Version:
        configured: Version = "v2" if self.settings.ui_v2_enabled else "v1"
        available = self.available
        if configured in available or not available:
            return configured
        return available[0]

    def ui_settings(self) -> dict[str, Any]:
        settings = self.settings
        return {
            "api_url": settings.resolved_ui_api_url,
            "csrf_enabled": settings.csrf_protection_enabled,
            "auth": "BASIC" if settings.api_auth_string is not None else None,
            "flags": [],
            "default_ui": self.default_ui,
            "available_uis": self.available,
            "v1_base_url": self.v1_base if "v1" in self.bundles else None,
            "v2_base_url": self.v2_base if "v2" in self.bundles else None,
        }

    def preferred(self, request: web.Request) -> Version:
        cookie = request.cookies.get(VERSION_COOKIE)
        return cookie if cookie in self.bundles else self.default_ui


UI_SITE: web.AppKey[UiSite] = web.AppKey("ui_site", UiSite)


def _is_navigation(request: web.Request) -> bool:
    """A browser loading a page (not a script, image or fetch)."""
    if request.headers.get("Sec-Fetch-Mode") == "navigate":
        return True
    if request.headers.get("Sec-Fetch-Dest") in ("document", "iframe"):
        return True
    return "text/html" in request.headers.get("Accept", "").lower()


def _accepts_html(request: web.Request) -> bool:
    """Accept names text/html (or XHTML) with a non-zero quality."""
    for item in request.headers.get("Accept", "").split(","):
        media, _, params = item.strip().partition(";")
        if media.strip().lower() not in ("text/html", "application/xhtml+xml"):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    pass
        if quality != 0:
            return True
    return False


def _redirect(request: web.Request, path: str) -> web.Response:
    location = f"{path}?{request.query_string}" if request.query_string else path
    return web.Response(status=307, headers={"Location": location})


def _serve(request: web.Request, bundle: Bundle, relative: str) -> web.StreamResponse:
    path, is_folder = find(bundle.directory, relative)
    if path is not None:
        if is_folder and not request.path.endswith("/"):
            return _redirect(request, request.path + "/")
        return file_response(path, relative if not is_folder else "index.html")
    if _accepts_html(request):
        index, _ = find(bundle.directory, "index.html")
        if index is not None:
            return file_response(index, "index.html")
    raise web.HTTPNotFound()


async def ui_files(request: web.Request) -> web.StreamResponse:
    """GET on any path no API route took: a UI file, the SPA's page, or 404."""
    site = request.app[UI_SITE]
    path = request.path
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        raise web.HTTPNotFound()
    in_v2 = relative_to(path, site.v2_base)
    in_v1 = None if in_v2 is not None else relative_to(path, site.v1_base)
    if _is_navigation(request):
        if in_v2 is not None and "v2" not in site.bundles and site.preferred(request) == "v1":
            return _redirect(request, under(site.v1_base, in_v2))
        if in_v1 == "" and site.preferred(request) == "v2" and "v2" in site.bundles:
            return _redirect(request, under(site.v2_base, ""))
    if in_v2 is not None and "v2" in site.bundles:
        return _serve(request, site.bundles["v2"], in_v2)
    if in_v2 is not None:
        in_v1 = relative_to(path, site.v1_base)
    if in_v1 is not None and "v1" in site.bundles:
        return _serve(request, site.bundles["v1"], in_v1)
    raise web.HTTPNotFound()


async def ui_settings(request: web.Request) -> web.Response:
    return respond(request.app[UI_SITE].ui_settings())


def install(app: web.Application, settings: Settings) -> UiSite:
    """Prepare the bundles and add the UI's routes to `app`. Call after the API's routes:
    the file route takes only paths no other route matched."""
    v1_base, v2_base = bundle_bases(settings.ui_serve_base)
    bundles = {bundle.version: bundle for bundle in prepare_bundles(settings)}
    site = UiSite(settings, bundles, v1_base, v2_base)
    app[UI_SITE] = site
    app.router.add_get(join(v1_base, "ui-settings"), ui_settings)
    if bundles:
        # The router tries longer path prefixes first, so this only sees what nothing
        # else matched; /api is left out so that its 405s stay 405s.
        if v1_base == "/":
            app.router.add_get(r"/{tail:(?!api(?:/|$)).*}", ui_files)
        else:
            app.router.add_get(v1_base + r"{tail:(?:/.*)?}", ui_files)
    return site
