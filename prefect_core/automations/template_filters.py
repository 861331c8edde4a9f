"""The filters the reference offers action templates: `ui_url` (a link to an object's UI
page), `ui_resource_events_url` (a link to the UI's events page for one resource) and
`flow_run_id` (the first flow run id in a text, such as a link).

Templates see objects as JSON dictionaries; the ones the filters can link to are tagged
with their kind (`Kinded`), and resources (`event.resource`, `event.related`) are `Labels`.
The base is the UI URL (`PREFECT_UI_URL`, else PREFECT_API_URL without its `/api`), which
the renderer puts in the context under `UI_URL_KEY`; without one the links are None.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

#: The context entry holding the UI's base URL.
UI_URL_KEY = "_prefect_ui_url"

_UI_PATHS = {
    "flow": "flows/flow/{id}",
    "flow-run": "runs/flow-run/{id}",
    "task-run": "runs/task-run/{id}",
    "block-document": "blocks/block/{id}",
    "work-pool": "work-pools/work-pool/{id}",
    "work-queue": "work-queues/work-queue/{id}",
    "concurrency-limit": "concurrency-limits/concurrency-limit/{id}",
    "deployment": "deployments/deployment/{id}",
    "automation": "automations/automation/{id}",
    "received-event": "events/event/{day}/{id}",
}
#: The kinds whose events page `ui_resource_events_url` links to.
_EVENTS_KINDS = {"automation", "deployment", "flow", "flow-run", "task-run", "work-queue", "work-pool"}
_FLOW_RUN_LINK = re.compile(r"flow-run/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


class Labels(dict[str, str]):
    """A resource's labels in templates, with `.id` and `.name` as the reference offers."""

    @property
    def id(self) -> str | None:
        return self.get("prefect.resource.id")

    @property
    def name(self) -> str | None:
        return self.get("prefect.resource.name")


class Kinded(dict[str, Any]):
    """An object of one kind (`flow-run`, `deployment`, ...) as a template sees it."""

    def __init__(self, kind: str, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.prefect_kind = kind


def _base(ctx: Mapping[str, Any]) -> str | None:
    base = ctx.get(UI_URL_KEY)
    return base if isinstance(base, str) and base else None


def ui_url(ctx: Mapping[str, Any], obj: Any) -> str | None:
    """The UI page of an object or resource; None for what has no page."""
    base = _base(ctx)
    if base is None:
        return None
    if isinstance(obj, Labels):
        resource_id = obj.id or ""
        if not resource_id.startswith("prefect."):
            return None
        kind, object_id, day = resource_id.split(".")[1], resource_id.rpartition(".")[2], None
    elif isinstance(obj, Kinded):
        kind = obj.prefect_kind
        # The reference addresses work pools by name.
        object_id = str(obj.get("name" if kind == "work-pool" else "id") or "")
        day = str(obj.get("occurred", ""))[:10]
    else:
        return None
    path = _UI_PATHS.get(kind)
    if path is None or not object_id:
        return None
    return urllib.parse.urljoin(base if base.endswith("/") else base + "/", path.format(id=object_id, day=day))


def ui_resource_events_url(ctx: Mapping[str, Any], obj: Any) -> str | None:
    """The UI's events page for one resource or object; None for others."""
    base = _base(ctx)
    if base is None:
        return None
    if isinstance(obj, Labels):
        kind_and_id = obj.id
    elif isinstance(obj, Kinded) and obj.prefect_kind in _EVENTS_KINDS and obj.get("id"):
        kind_and_id = f"prefect.{obj.prefect_kind}.{obj['id']}"
    else:
        return None
    if not kind_and_id:
        return None
    return urllib.parse.urljoin(base, f"events?resource={kind_and_id}")


def flow_run_id(text: str | None) -> str | None:
    """The first flow run id linked in a text (`.../flow-run/<id>`), or None."""
    if not text:
        return None
    match = _FLOW_RUN_LINK.search(str(text))
    return match.group(1) if match else None


#: The filters Jinja2 passes the render context to first (marked so by `templates.environment`,
#: which imports Jinja2 on first use).
CONTEXT_FILTERS = frozenset({"ui_url", "ui_resource_events_url"})
FILTERS: dict[str, Callable[..., str | None]] = {
    "ui_url": ui_url,
    "ui_resource_events_url": ui_resource_events_url,
    "flow_run_id": flow_run_id,
}
