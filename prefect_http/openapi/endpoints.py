"""`/api/openapi.json` and `/docs`: the generated document and Swagger UI to read it.

The document is built from the route table on first request and kept (the routes of
a running application do not change). Swagger UI's files come from the
`swagger-ui-bundle-v2` package, served under a versioned path so browsers may keep them.
The reference serves both at the root (`/docs`, `/openapi.json`) and under `/api`;
so does this. Under `/api` they are behind the API's authentication, at the root not.
"""

from __future__ import annotations

import html
from pathlib import Path

import orjson
from aiohttp import web

from prefect_http.openapi.describe import hidden
from prefect_http.openapi.document import TITLE, build_document

_DOCUMENT: web.AppKey[dict[str, bytes]] = web.AppKey("openapi_document", dict)
# No runtime type for the key: `Path | None` is not a class (the annotation types it).
_ASSETS: web.AppKey[Path | None] = web.AppKey("swagger_ui_assets")
_ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}


def _swagger_ui_dir() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    path = Path(swagger_ui_bundle.swagger_ui_path)
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def _page(spec_url: str, assets: str) -> str:
    spec, base = html.escape(spec_url, quote=True), html.escape(assets, quote=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{TITLE} - Swagger UI</title>
<link rel="stylesheet" href="{base}/swagger-ui.css">
<link rel="icon" type="image/png" href="{base}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"}});
</script>
</body>
</html>
"""


@hidden
async def openapi_json(request: web.Request) -> web.Response:
    cache = request.app[_DOCUMENT]
    body = cache.get("json")
    if body is None:
        body = cache["json"] = orjson.dumps(build_document(request.app.router))
    return web.Response(body=body, content_type="application/json")


def _assets_url(request: web.Request) -> str | None:
    assets = request.app[_ASSETS]
    return None if assets is None else f"/docs/swagger-ui/{assets.name}"


@hidden
async def docs_page(request: web.Request) -> web.Response:
    assets = _assets_url(request)
    if assets is None:
        raise web.HTTPNotFound()
    spec_url = "/api/openapi.json" if request.path.startswith("/api/") else "/openapi.json"
    return web.Response(text=_page(spec_url, assets), content_type="text/html", headers={"Cache-Control": "no-cache"})


@hidden
async def swagger_asset(request: web.Request) -> web.StreamResponse:
    assets = request.app[_ASSETS]
    name = request.match_info["name"]
    if assets is None or request.match_info["version"] != assets.name or "/" in name or name.startswith("."):
        raise web.HTTPNotFound()
    path = assets / name
    if path.suffix not in _ASSET_TYPES or not path.is_file():
        raise web.HTTPNotFound()
    response = web.FileResponse(
        path,
        headers={"Content-Type": _ASSET_TYPES[path.suffix], "Cache-Control": "public, max-age=31536000, immutable"},
    )
    if path.suffix != ".png":
        response.enable_compression()
    return response


def install(app: web.Application) -> None:
    """Add the document's and Swagger UI's routes to `app`."""
    app[_DOCUMENT] = {}
    app[_ASSETS] = _swagger_ui_dir()
    for prefix in ("/api", ""):
        app.router.add_get(f"{prefix}/openapi.json", openapi_json)
        app.router.add_get(f"{prefix}/docs", docs_page)
    app.router.add_get("/docs/swagger-ui/{version}/{name}", swagger_asset)
