"""Static files of a UI bundle: content types, caching, compression."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from aiohttp import web

from prefect_http.ui.bundles import COMPRESSIBLE_SUFFIXES

#: Vite names built assets after their content (`index-Dyy5jLiI.js`): such a URL
#: never changes content, so browsers may keep it for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Everything else (index.html above all) is revalidated on every use (ETag, 304).
REVALIDATE = "no-cache"
_HASHED = re.compile(r"^assets/.+-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$")

_TEXT = "; charset=utf-8"
CONTENT_TYPES = {
    ".html": "text/html" + _TEXT,
    ".js": "text/javascript" + _TEXT,
    ".mjs": "text/javascript" + _TEXT,
    ".css": "text/css" + _TEXT,
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".txt": "text/plain" + _TEXT,
    ".xml": "application/xml",
}
_FALLBACK_TYPE = "application/octet-stream"
#: Text compressed on the fly when no `.gz` sibling was prepared (a copy made by the reference).
_ON_THE_FLY = frozenset({".html", ".css", ".js", ".mjs", ".json", ".map", ".svg", ".txt", ".xml", ".webmanifest"})


def find(root: Path, relative: str) -> tuple[Path | None, bool]:
    """The regular file `relative` names under `root` (a folder gives its index.html),
    and whether it was a folder. Never leaves `root`, never follows a symlink."""
    parts = [part for part in relative.split("/") if part]
    if any(part in (".", "..") or "\\" in part or "\x00" in part for part in parts):
        return None, False
    path = root.joinpath(*parts)
    try:
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            index = path / "index.html"
            if stat.S_ISREG(index.lstat().st_mode):
                return index, True
            return None, False
    except (OSError, ValueError):
        return None, False
    return (path, False) if stat.S_ISREG(mode) else (None, False)


def file_response(path: Path, relative: str, *, status: int = 200) -> web.FileResponse:
    """`path` with its content type and cache policy; a `.gz` sibling is sent to clients
    that accept gzip, and other text is compressed on the fly."""
    suffix = path.suffix.lower()
    headers = {
        "Content-Type": CONTENT_TYPES.get(suffix, _FALLBACK_TYPE),
        "Cache-Control": IMMUTABLE if _HASHED.match(relative) else REVALIDATE,
    }
    if suffix in COMPRESSIBLE_SUFFIXES:
        headers["Vary"] = "Accept-Encoding"
    response = web.FileResponse(path, status=status, headers=headers)
    if suffix in _ON_THE_FLY and not path.with_name(path.name + ".gz").is_file():
        response.enable_compression()
    return response
