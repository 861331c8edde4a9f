"""URL paths of the two UI bundles.

`PREFECT_UI_SERVE_BASE` names where the V1 UI lives (default `/`); V2 lives under
`<base>/v2`. A base that already ends in `/v2` names the V2 UI's path, and V1 sits
one level up: this is how the reference reads the setting.
"""

from __future__ import annotations

V2_SEGMENT = "v2"


def normalize_base(base: str) -> str:
    """`/`, or a path with one leading slash and no trailing one."""
    base = base.strip()
    if not base or base.strip("/") == "":
        return "/"
    return "/" + base.strip("/")


def join(base: str, suffix: str) -> str:
    """`base` + `/suffix`, without doubling the slash when `base` is the root."""
    base = normalize_base(base)
    suffix = "/" + suffix.lstrip("/")
    return suffix if base == "/" else base + suffix


def bundle_bases(serve_base: str) -> tuple[str, str]:
    """(V1 base, V2 base) for the configured serve base."""
    base = normalize_base(serve_base)
    tail = "/" + V2_SEGMENT
    if base.endswith(tail):
        return (base[: -len(tail)] or "/"), base
    return base, join(base, V2_SEGMENT)


def relative_to(path: str, base: str) -> str | None:
    """The part of `path` below `base` (`""` for the base itself), or None when outside it."""
    if base == "/":
        return path.lstrip("/")
    if path == base:
        return ""
    if path.startswith(base + "/"):
        return path[len(base) + 1 :]
    return None


def under(base: str, relative: str) -> str:
    """The URL path of `relative` inside `base`; the base itself keeps its trailing slash,
    so that a redirect lands inside the bundle rather than next to it."""
    if base == "/":
        return "/" + relative.lstrip("/")
    return f"{base}/{relative.lstrip('/')}"
