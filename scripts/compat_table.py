#!/usr/bin/env python3
"""Print the endpoint-compatibility table of docs/compatibility.md from the live router.

Usage: .venv/bin/python scripts/compat_table.py   (compares with shared/reference/endpoints.txt)
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def reference_endpoints(path: Path) -> set[tuple[str, str]]:
    out = set()
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            method, route = line.split(maxsplit=1)
            out.add((method, route.strip()))
    return out


def our_endpoints() -> set[tuple[str, str]]:
    from prefect_core.settings import Settings
    from prefect_http.app import create_app

    app = create_app(Settings())
    out = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith("/api") or route.method == "HEAD":
            continue
        out.add((route.method, normalise(path[len("/api") :])))
    return out


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def main() -> None:
    ref_file = ROOT.parent / "shared" / "reference" / "endpoints.txt"
    reference = reference_endpoints(ref_file)
    ours = our_endpoints()
    ours_norm = {(m, normalise(p)) for m, p in ours}
    groups: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for method, path in sorted(reference):
        group = path.strip("/").split("/")[0] or "/"
        groups[group].append((method, path, (method, normalise(path)) in ours_norm))
    print("| group | done | of | status | missing |")
    print("| --- | ---: | ---: | --- | --- |")
    for group, items in sorted(groups.items()):
        done = sum(1 for *_, ok in items if ok)
        status = "done" if done == len(items) else ("partial" if done else "not yet")
        missing = ", ".join(f"`{m} {p}`" for m, p, ok in items if not ok)
        print(f"| {group} | {done} | {len(items)} | {status} | {missing if done else '—'} |")
    websockets = {
        "/events/in",
        "/events/out",
        "/logs/out",
        "/task_runs/subscriptions/scheduled",
        "/work_pools/{}/workers/connect",
    }
    extra = sorted(e for e in ours_norm - {(m, normalise(p)) for m, p in reference} if e[1] not in websockets)
    served_ws = sorted(p for m, p in ours_norm if p in websockets)
    print("\nWebsocket routes served:", ", ".join(f"`{p}`" for p in served_ws))
    if extra:
        print("\nRoutes we serve that the reference spec does not list:", ", ".join(f"`{m} {p}`" for m, p in extra))


if __name__ == "__main__":
    main()
