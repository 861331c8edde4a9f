"""Find the UI bundles of the installed `prefect` package and prepare served copies.

The bundles ship with a placeholder (`/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER`)
where their URL path belongs. At start-up each bundle is copied once into its static
directory with the placeholder replaced and its text files gzipped beside them
(`x.js.gz`, sent to clients that accept gzip), and a stamp file records the prefect
version and path the copy was made for; later starts reuse the copy while the stamp
matches. The copy is built in a temporary sibling and renamed into place, so a second
server starting at the same time never serves a half-made copy.

`prefect` is located without importing it (importing the SDK costs seconds and
megabytes the server has no use for).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from prefect_core.settings import Settings
from prefect_http.ui.paths import bundle_bases

log = logging.getLogger(__name__)

Version = Literal["v1", "v2"]

PLACEHOLDER = "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER"
#: The stamp file's name and content format are the reference's, so a copy made by
#: either server is recognised by the other.
STAMP_FILE = "UI_SERVE_BASE"
#: (source folder, default copy folder) inside `prefect/server/`.
_FOLDERS: dict[Version, tuple[str, str]] = {"v1": ("ui", "ui_build"), "v2": ("ui-v2", "ui_v2_build")}
_PLACEHOLDER_SUFFIXES = (".html", ".css", ".js", ".json", ".txt")
#: Worth gzipping: text formats (fonts and images are compressed already, or nearly).
COMPRESSIBLE_SUFFIXES = frozenset(
    {".html", ".css", ".js", ".mjs", ".json", ".map", ".svg", ".txt", ".xml", ".webmanifest", ".ico", ".ttf"}
)
_MIN_GZIP_BYTES = 1024


@dataclass(frozen=True)
class Bundle:
    """A prepared UI bundle: the files under `directory` are served at `base_url`."""

    version: Version
    base_url: str
    directory: Path


def prefect_package_dir() -> Path | None:
    """Where the installed `prefect` package lives, or None when it is not installed."""
    try:
        spec = importlib.util.find_spec("prefect")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _prefect_version() -> str:
    try:
        return importlib.metadata.version("prefect")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _copy_dir(settings: Settings, version: Version, package: Path) -> Path:
    root = settings.ui_static_directory
    if root is None:
        return package / "server" / _FOLDERS[version][1]
    # A static directory holding a prepared bundle itself is the V1 copy (the reference's layout).
    if version == "v1" and (root / STAMP_FILE).is_file():
        return root
    return root / version


def _read_stamp(directory: Path) -> str | None:
    try:
        return (directory / STAMP_FILE).read_text()
    except OSError:
        return None


def _make_writable(path: Path) -> None:
    mode = path.stat().st_mode
    if not mode & stat.S_IWUSR:
        path.chmod(mode | stat.S_IWUSR)


def _finish_copy(directory: Path, replacement: str) -> None:
    """Replace the placeholder and write gzip siblings, in place."""
    for path in directory.rglob("*"):
        if not path.is_file():
            continue
        _make_writable(path)
        suffix = path.suffix.lower()
        if suffix in _PLACEHOLDER_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            if PLACEHOLDER in text:
                path.write_text(text.replace(PLACEHOLDER, replacement), encoding="utf-8")
        if suffix in COMPRESSIBLE_SUFFIXES:
            data = path.read_bytes()
            if len(data) >= _MIN_GZIP_BYTES:
                packed = gzip.compress(data, compresslevel=9, mtime=0)
                if len(packed) < len(data) * 0.9:
                    path.with_name(path.name + ".gz").write_bytes(packed)


def ensure_copy(source: Path, target: Path, stamp: str, base_url: str) -> bool:
    """Make `target` a prepared copy of `source` for `base_url` unless its stamp is `stamp`.

    Returns whether a copy was made. Raises OSError when the target cannot be written."""
    if _read_stamp(target) == stamp:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        shutil.copytree(source, scratch)
        _finish_copy(scratch, "" if base_url == "/" else base_url)
        (scratch / STAMP_FILE).write_text(stamp)
        if _read_stamp(target) == stamp:  # another server finished first
            return False
        retired = None
        if target.exists():
            retired = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.old")
            os.rename(target, retired)
        os.rename(scratch, target)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
        return True
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)


def prepare_bundles(settings: Settings) -> list[Bundle]:
    """The bundles to serve (none when the UI is off or `prefect` is not installed)."""
    if not settings.ui_enabled:
        return []
    package = prefect_package_dir()
    if package is None:
        log.warning("the `prefect` package is not installed: serving the API without the UI (see docs/ui.md)")
        return []
    version_text = _prefect_version()
    bases = dict(zip(("v1", "v2"), bundle_bases(settings.ui_serve_base), strict=False))
    bundles: list[Bundle] = []
    for version in ("v1", "v2"):
        source = package / "server" / _FOLDERS[version][0]
        if not (source / "index.html").is_file():
            continue
        base = bases[version]
        target = _copy_dir(settings, version, package)
        try:
            if ensure_copy(source, target, f"{version}:{version_text}:{base}", base):
                log.info("prepared the %s UI in %s", version, target)
        except OSError as exc:
            log.error(
                "cannot prepare the %s UI in %s (%s): it is not served; set "
                "PREFECT_UI_STATIC_DIRECTORY to a writable folder",
                version,
                target,
                exc,
            )
            continue
        bundles.append(Bundle(version, base, target))
    return bundles
