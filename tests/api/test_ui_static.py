"""The web UI as the reference serves it: bundles, /ui-settings, SPA fallback, caching, gzip.

The UI does not touch storage, so these run on SQLite only. The bundles come from the
installed `prefect` package (a test dependency); copies are prepared once per session.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from prefect_core.settings import Settings
from prefect_http.app import create_app
from prefect_http.ui.bundles import PLACEHOLDER, STAMP_FILE, ensure_copy, prefect_package_dir

HTML = {"Accept": "text/html,application/xhtml+xml"}
SOURCE_V2 = (prefect_package_dir() or Path("/nonexistent")) / "server" / "ui-v2"

pytestmark = pytest.mark.skipif(not (SOURCE_V2 / "index.html").is_file(), reason="prefect's UI bundles not installed")


@pytest.fixture(scope="session")
def ui_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ui-static")


def ui_settings(tmp_path: Path, ui_dir: Path, **env: str) -> Settings:
    base = {"PREFECT_DATABASE_PATH": str(tmp_path / "prefect.db"), "PREFECT_UI_STATIC_DIRECTORY": str(ui_dir)}
    return Settings.from_env({**base, **env})


@pytest.fixture
async def ui(tmp_path: Path, ui_dir: Path, aiohttp_client):  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(ui_settings(tmp_path, ui_dir)))


def hashed_index_script(html: str, base: str) -> str:
    found = re.search(rf'src="{re.escape(base)}/assets/(index-[A-Za-z0-9_-]{{8}}\.js)"', html)
    assert found, html[:500]
    return found.group(1)


async def test_root_sends_browsers_to_v2_and_v2_serves_its_page(ui) -> None:
    resp = await ui.get("/", headers=HTML, allow_redirects=False)
    assert resp.status == 307 and resp.headers["Location"] == "/v2/"
    resp = await ui.get("/v2/", headers=HTML)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-cache"
    page = await resp.text()
    assert PLACEHOLDER not in page and 'src="/v2/assets/index-' in page
    # the bare base redirects into the bundle, the query string kept
    resp = await ui.get("/v2?x=1", headers=HTML, allow_redirects=False)
    assert resp.status == 307 and resp.headers["Location"] == "/v2/?x=1"


async def test_the_version_cookie_and_v2_setting_choose_the_root_ui(
    ui, tmp_path: Path, ui_dir: Path, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    resp = await ui.get("/", headers=HTML, cookies={"prefect_ui_version": "v1"})
    assert resp.status == 200 and '<div id="app">' in await resp.text()  # V1's page
    resp = await ui.get("/", headers=HTML, cookies={"prefect_ui_version": "v9"}, allow_redirects=False)
    assert resp.status == 307
    v1_default = await aiohttp_client(create_app(ui_settings(tmp_path, ui_dir, PREFECT_SERVER_UI_V2_ENABLED="false")))
    resp = await v1_default.get("/", headers=HTML, allow_redirects=False)
    assert resp.status == 200 and '<div id="app">' in await resp.text()
    assert (await (await v1_default.get("/ui-settings")).json())["default_ui"] == "v1"


async def test_deep_links_fall_back_to_the_page_only_for_html(ui) -> None:
    resp = await ui.get("/v2/flow-runs/flow-run/6a1b", headers=HTML)
    assert resp.status == 200 and '<div id="root">' in await resp.text()
    resp = await ui.get("/v2/assets/missing-AAAAAAAA.js", headers={"Accept": "*/*"})
    assert resp.status == 404 and await resp.json() == {"detail": "Not Found"}
    # V1's deep links stay V1's, as in the reference
    resp = await ui.get("/flows", headers=HTML, allow_redirects=False)
    assert resp.status == 200 and '<div id="app">' in await resp.text()


async def test_hashed_assets_are_long_lived_typed_and_gzipped(ui) -> None:
    page = await (await ui.get("/v2/", headers=HTML)).text()
    script = hashed_index_script(page, "/v2")
    resp = await ui.get(f"/v2/assets/{script}", headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["Content-Encoding"] == "gzip"
    served = gzip.decompress(await resp.read()).decode()
    source = (SOURCE_V2 / "assets" / script).read_text()
    assert served == source.replace(PLACEHOLDER, "/v2")
    assert len(await resp.read()) < len(served) / 2
    # without gzip: the plain file; revalidation answers 304
    plain = await ui.get(f"/v2/assets/{script}", headers={"Accept-Encoding": "identity"})
    assert plain.headers.get("Content-Encoding") is None and await plain.text() == served
    again = await ui.get(
        f"/v2/assets/{script}", headers={"If-None-Match": plain.headers["ETag"], "Accept-Encoding": "identity"}
    )
    assert again.status == 304


async def test_content_types_of_other_files(ui) -> None:
    cases = {
        "/v2/ico/site.webmanifest": "application/manifest+json",
        "/v2/ico/favicon-32x32.png": "image/png",
        "/v2/completed.svg": "image/svg+xml",
        "/v2/fonts/Geist-VariableFont_wght.ttf": "font/ttf",
    }
    for path, content_type in cases.items():
        resp = await ui.get(path)
        assert resp.status == 200, path
        assert resp.headers["Content-Type"] == content_type, path
        assert resp.headers["Cache-Control"] == "no-cache", path


async def test_the_v2_state_icons_are_served_at_the_root_too(ui) -> None:
    # the V2 app sets its icon to /<state>.svg at the server root (the reference answers 404 there)
    for state in ("completed", "failed", "running"):
        resp = await ui.get(f"/{state}.svg", headers={"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"})
        assert resp.status == 200, state
        assert resp.headers["Content-Type"] == "image/svg+xml"
        assert await resp.text() == (SOURCE_V2 / f"{state}.svg").read_text()
    # only root-level icons the V1 bundle lacks: V1's own files and other paths are unchanged
    assert (await ui.get("/robots.txt")).status == 200
    assert (await ui.get("/nothing.svg", headers={"Accept": "image/*"})).status == 404
    assert (await ui.get("/assets/completed.svg", headers={"Accept": "image/*"})).status == 404


async def test_ui_settings_has_the_reference_fields(tmp_path: Path, ui_dir: Path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    plain = await aiohttp_client(create_app(ui_settings(tmp_path, ui_dir)))
    assert await (await plain.get("/ui-settings")).json() == {
        "api_url": "http://127.0.0.1:4200/api",
        "csrf_enabled": False,
        "auth": None,
        "flags": [],
        "default_ui": "v2",
        "available_uis": ["v1", "v2"],
        "v1_base_url": "/",
        "v2_base_url": "/v2",
    }
    guarded = await aiohttp_client(
        create_app(
            ui_settings(
                tmp_path,
                ui_dir,
                PREFECT_SERVER_API_AUTH_STRING="admin:pw",
                PREFECT_SERVER_CSRF_PROTECTION_ENABLED="true",
                PREFECT_UI_API_URL="https://prefect.example/api",
            )
        )
    )
    body = await (await guarded.get("/ui-settings")).json()
    assert (body["auth"], body["csrf_enabled"], body["api_url"]) == ("BASIC", True, "https://prefect.example/api")


async def test_serve_base_moves_both_bundles(tmp_path: Path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(ui_settings(tmp_path, tmp_path / "ui", PREFECT_UI_SERVE_BASE="/prefect/")))
    body = await (await client.get("/prefect/ui-settings")).json()
    assert (body["v1_base_url"], body["v2_base_url"]) == ("/prefect", "/prefect/v2")
    resp = await client.get("/prefect", headers=HTML, allow_redirects=False)
    assert resp.status == 307 and resp.headers["Location"] == "/prefect/v2/"
    page = await (await client.get("/prefect/v2/", headers=HTML)).text()
    script = hashed_index_script(page, "/prefect/v2")
    assert (await client.get(f"/prefect/v2/assets/{script}")).status == 200
    assert (await client.get("/", headers=HTML)).status == 404  # outside the base


async def test_ui_off_leaves_only_the_api(tmp_path: Path, ui_dir: Path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(ui_settings(tmp_path, ui_dir, PREFECT_UI_ENABLED="false")))
    resp = await client.get("/", headers=HTML)
    assert resp.status == 404 and await resp.json() == {"detail": "Not Found"}
    body = await (await client.get("/ui-settings")).json()
    assert body["available_uis"] == [] and body["v2_base_url"] is None


async def test_api_paths_keep_their_errors(ui) -> None:
    resp = await ui.get("/api/nope", headers=HTML)
    assert resp.status == 404 and await resp.json() == {"detail": "Not Found"}
    resp = await ui.get("/api/flows/")  # POST-only
    assert resp.status == 405 and await resp.json() == {"detail": "Method Not Allowed"}
    assert await (await ui.get("/api/version")).json() == "0.8.4"


@pytest.mark.parametrize(
    "path", ["/v2/../../../etc/passwd", "/v2/%2e%2e/%2e%2e/etc/passwd", "/v2/assets/..%2F..%2FUI_SERVE_BASE"]
)
async def test_no_file_outside_a_bundle_is_served(ui, path: str) -> None:
    resp = await ui.get(path, headers={"Accept": "*/*"})
    assert resp.status == 404
    assert "root:" not in await resp.text()


def test_a_copy_is_made_once_per_version_and_path(tmp_path: Path) -> None:
    target = tmp_path / "copy"
    assert ensure_copy(SOURCE_V2, target, "v2:1:/v2", "/v2") is True
    stamp = (target / STAMP_FILE).stat().st_mtime_ns
    index = (target / "index.html").read_text()
    assert PLACEHOLDER not in index and "/v2/assets/" in index
    assert (target / "index.html.gz").is_file()
    assert ensure_copy(SOURCE_V2, target, "v2:1:/v2", "/v2") is False  # reused as it is
    assert (target / STAMP_FILE).stat().st_mtime_ns == stamp
    assert ensure_copy(SOURCE_V2, target, "v2:2:/x/v2", "/x/v2") is True  # a new version or path: made again
    assert "/x/v2/assets/" in (target / "index.html").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no scratch copies left
