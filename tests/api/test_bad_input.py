"""Bad input on every route the app registers: never a 5xx, errors in the
reference's shapes, and nothing already stored changes.

The sweep walks `app.router.routes()` (so a new route is swept without
editing this file), fills path parameters with unknown values (a random UUID,
a string that is not one, a random name, a hostile name) and, for methods
with a body, sends malformed JSON, the wrong JSON container, objects whose
fields have the wrong types (derived from the reference's OpenAPI schema for
the route), huge and negative numbers, unknown enum values and deeply nested
junk. GET/DELETE routes get unknown ids and junk query parameters.

Before the sweep a flow, a flow run taken to RUNNING, a task run and logs are
stored; the sweep also aims its invalid bodies at those real ids; afterwards
they must read back exactly as before.
"""

from __future__ import annotations

import inspect
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

#: The reference's request shapes, extracted from its OpenAPI document by
#: scripts/extract_api_contract.py (rerun it when the contract changes).
CONTRACT = json.loads((Path(__file__).resolve().parents[1] / "data" / "api_contract.json").read_text())["operations"]

#: Routes that upgrade to a websocket: a plain GET is not what they are for.
WEBSOCKET_ROUTES = {"/api/events/in", "/api/events/out", "/api/logs/out"}

#: Body bytes that are not a JSON document the API can use.
MALFORMED = [b'{"name": ', b"\xff\xfe{\x00", b"{'single': 'quotes'}", b'{"a": 1e400}', b"[" * 1100 + b"]" * 1100]
#: JSON documents of the wrong kind.
NOT_AN_OBJECT = [[], [{"a": 1}], "a string", 42, None, True]
NOT_AN_ARRAY = [{}, {"name": "x"}, "a string", 42, None]
NOT_A_STRING = [{}, [], 42, True]
#: Routes whose body is one JSON string (a template), which the contract records as a fieldless object.
STRING_BODY_ROUTES = {"/api/templates/validate", "/api/automations/templates/validate"}

HUGE = 2**63  # one past the largest 64-bit signed integer: fine in JSON, too big for any column
NUL = "nul\x00byte"


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


#: Generic objects of junk, sent to every body-taking route with unknown ids (label: body).
JUNK_OBJECTS: dict[str, Any] = {
    "limit-negative": {"limit": -1},
    "offset-negative": {"offset": -1},
    "limit-huge": {"limit": HUGE},
    "offset-huge": {"offset": HUGE},
    "offset-big": {"offset": 2**62},
    "page-zero": {"page": 0},
    "page-huge": {"page": HUGE},
    "page-big": {"page": 2**62},
    "limit-float": {"limit": 1.5, "offset": "x"},
    "sort-unknown": {"sort": "NOT_A_SORT"},
    "state-type-unknown": {"state": {"type": "NOT_A_STATE"}},
    "state-timestamp-junk": {"state": {"type": "RUNNING", "timestamp": "yesterday"}},
    "filter-state-unknown": {"flow_runs": {"state": {"type": {"any_": ["NOT_A_STATE"]}}}},
    "filter-id-junk": {"flows": {"id": {"any_": ["not-a-uuid"]}}},
    "filter-date-junk": {"flow_runs": {"expected_start_time": {"after_": "not a date"}}},
    "filter-level-junk": {"logs": {"level": {"ge_": "loud"}}},
    "filter-level-huge": {"logs": {"level": {"ge_": HUGE}}},
    "name-nul": {"name": NUL, "flow_id": str(uuid.uuid4())},
    "nested-300": {
        "parameters": nested(300),
        "labels": nested(300),
        "job_variables": nested(300),
        "context": nested(300),
    },
    "nested-900": {"a": nested(900)},
    "history-tiny-interval": {
        "history_start": "2020-01-01T00:00:00Z",
        "history_end": "9999-12-31T23:59:59Z",
        "history_interval_seconds": 1e-9,
    },
    "history-huge-interval": {
        "history_start": "2020-01-01T00:00:00Z",
        "history_end": "2020-01-02T00:00:00Z",
        "history_interval_seconds": 1e300,
    },
    "events-tiny-interval": {
        "filter": {"occurred": {"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"}},
        "time_interval": 1e-300,
    },
    "events-resource-nul": {"filter": {"any_resource": {"id": [NUL]}}},
}

#: Answers the sweep knows to fall short, by (method, route, probe label): the
#: backends they fall short on and why. Each is a bug reported to its owner; the
#: sweep fails when one of them no longer happens, so that it leaves this list.
KNOWN_BUGS: dict[tuple[str, str, str], tuple[set[str], str]] = {}


# -- the reference's request shapes --------------------------------------------------


def wrong_value(kinds: set[str]) -> Any:
    """A JSON value that a field accepting `kinds` rejects, or `...` when it accepts anything."""
    if "any" in kinds:
        return ...
    if kinds == {"enum"}:
        return "NOT_A_MEMBER"
    candidates = [
        ({"object"}, ["not", "an", "object"] if "array" not in kinds else 3.5),
        ({"array"}, {"not": "an array"} if "object" not in kinds else 3.5),
        ({"string", "enum"}, {"not": "a string"} if "object" not in kinds else ["x"]),
        ({"number"}, "not a number"),
        ({"boolean"}, "maybe"),
    ]
    for accepted, value in candidates:
        if kinds & accepted and not (_kinds_accepting(value) & kinds):
            return value
    for value in ({"junk": 1}, ["junk"], "junk", 3.5, "maybe"):
        if not (_kinds_accepting(value) & kinds):
            return value
    return ...


def _kinds_accepting(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {"object"}
    if isinstance(value, list):
        return {"array"}
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, (int, float)):
        return {"number"}
    if isinstance(value, str):
        return {"string"}  # a junk string is never an enum member nor a date
    return {"null"}


def spec_operation(path: str, method: str) -> dict[str, Any] | None:
    """The reference's operation for one of our routes (paths there lack the /api prefix)."""
    ours = _shape(path.removeprefix("/api"))
    for candidate, operations in CONTRACT.items():
        if _shape(candidate) == ours:
            return operations.get(method.lower())
    return None


def _shape(path: str) -> tuple[str, ...]:
    return tuple("{}" if part.startswith("{") else part for part in path.split("/"))


def body_schema(operation: dict[str, Any] | None) -> dict[str, Any] | None:
    """The operation's JSON body: `array` (of objects), `fields` and `values` kinds."""
    return operation["body"] if operation else None


def wrong_typed_bodies(body: dict[str, Any]) -> list[Any]:
    """One body with every field of the wrong type, then one per field (fields alone)."""
    if body["array"]:
        return [[one] for one in wrong_typed_bodies({**body, "array": False})]
    if not body["fields"] and body["values"] is not None:
        bad = wrong_value(set(body["values"]))
        return [] if bad is ... else [{"key": bad}]
    fields = {name: wrong_value(set(kinds)) for name, kinds in body["fields"].items()}
    fields = {name: value for name, value in fields.items() if value is not ...}
    if not fields:
        return []
    return [fields, *({name: value} for name, value in fields.items())]


def huge_number_bodies(body: dict[str, Any]) -> list[Any]:
    """For each numeric field alone: past 64 bits either way, and the largest double."""
    if body["array"]:
        return [[one] for one in huge_number_bodies({**body, "array": False})]
    numeric = [name for name, kinds in body["fields"].items() if "number" in kinds]
    return [{name: value} for name in numeric for value in (HUGE, -HUGE - 1, 1.7e308)]


def wrong_queries(operation: dict[str, Any] | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for param in (operation or {}).get("query", []):
        if param["typed"]:
            out.append({param["name"]: "not-valid"})
        out.append({param["name"]: "-1"})
        out.append({param["name"]: str(HUGE)})
        out.append({param["name"]: NUL})
    return out


# -- the sweep ------------------------------------------------------------------------


@dataclass
class Route:
    method: str
    path: str  # canonical, with {params}
    handler: Any

    @property
    def params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]


def app_routes(app: web.Application) -> list[Route]:
    routes = []
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS", "*") or route.resource is None:
            continue
        routes.append(Route(route.method, route.resource.canonical, route.handler))
    return routes


def is_websocket(route: Route) -> bool:
    returns = str(inspect.signature(route.handler).return_annotation)
    return route.path in WEBSOCKET_ROUTES or "WebSocketResponse" in returns


def fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


@dataclass
class Stored:
    """The objects made before the sweep."""

    flow: dict[str, Any]
    run: dict[str, Any]
    task: dict[str, Any]
    run_state_id: str
    task_state_id: str

    def real_ids(self, route: Route) -> dict[str, str] | None:
        """Path values addressing a stored object on `route`, if the route addresses one."""
        prefixes = {
            "/api/flows/name/{name}": {"name": self.flow["name"]},
            "/api/flows/{id}": {"id": self.flow["id"]},
            "/api/flow_runs/{id}": {"id": self.run["id"]},
            "/api/task_runs/{id}": {"id": self.task["id"]},
            "/api/flow_run_states/{id}": {"id": self.run_state_id},
            "/api/task_run_states/{id}": {"id": self.task_state_id},
        }
        for prefix, values in prefixes.items():
            if route.path == prefix or route.path.startswith(prefix + "/"):
                return values
        return None


@dataclass
class Sweep:
    client: Any
    backend: str
    problems: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    sent: int = 0

    async def send(
        self,
        route: Route,
        url: str,
        label: str,
        *,
        body: Any = ...,
        raw: bytes | None = None,
        params: dict[str, str] | None = None,
        invalid_body: bool = False,
        invalid_at: tuple[Any, ...] | None = None,
    ) -> int:
        """Send one request and record every way its answer falls short."""
        kwargs: dict[str, Any] = {"params": params} if params else {}
        if raw is not None:
            kwargs["data"] = raw
            kwargs["headers"] = {"Content-Type": "application/json"}
        elif body is not ...:
            kwargs["data"] = json.dumps(body).encode()
            kwargs["headers"] = {"Content-Type": "application/json"}
        resp = await self.client.request(route.method, url, **kwargs)
        text = await resp.text(errors="replace")
        self.sent += 1
        problem = check_answer(resp.status, text, invalid_body=invalid_body)
        if problem is None and invalid_at is not None:
            problem = check_location(resp.status, text, invalid_at)
        if problem:
            shown = raw[:80] if raw is not None else (json.dumps(body)[:160] if body is not ... else "")
            where = f"{route.method} {url[:120]} params={params} body={shown!r}"
            self.problems.setdefault((route.method, route.path, label), []).append(
                f"[{label}] {where} -> {resp.status} {text[:300]!r}: {problem}"
            )
        return resp.status

    def unexpected(self) -> list[str]:
        """Problems not in KNOWN_BUGS, and known bugs that no longer happen."""
        out = []
        for key, found in self.problems.items():
            backends, _ = KNOWN_BUGS.get(key, (set(), ""))
            if self.backend not in backends:
                out.extend(found)
        for key, (backends, reason) in KNOWN_BUGS.items():
            if self.backend in backends and key not in self.problems:
                out.append(
                    f"known bug no longer happens on {self.backend}, remove it from KNOWN_BUGS: {key} ({reason})"
                )
        return out


def check_answer(status: int, text: str, *, invalid_body: bool) -> str | None:
    if status >= 500:
        return "server error"
    if invalid_body and status < 400:
        return "an unusable body was accepted"
    if status < 400:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return "error body is not JSON"
    if status == 422:
        if isinstance(body, dict) and set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"]:
            return None if not invalid_body else "422 for an unusable body lacks exception_detail"
        if not isinstance(body, dict) or body.get("exception_message") != "Invalid request received.":
            return "422 without the reference's exception_message"
        if "request_body" not in body:
            return "422 without request_body"
        detail = body.get("exception_detail")
        if not isinstance(detail, list) or not detail:
            return "422 with an empty exception_detail"
        for item in detail:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("loc"), list)
                and isinstance(item.get("msg"), str)
                and isinstance(item.get("type"), str)
            ):
                return f"422 detail item without loc/msg/type: {item!r}"
        return None
    if (
        status == 404
        and isinstance(body, dict)
        and set(body) == {"exception_message"}
        and isinstance(body["exception_message"], str)
        and body["exception_message"]
    ):
        return None  # the reference's "object not found" shape (the flow run graph endpoints)
    if not (isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"]):
        return f"{status} without a string `detail`"
    return None


def check_location(status: int, text: str, at: tuple[Any, ...]) -> str | None:
    """For a body whose one field at `at` has the wrong type: a 422 naming that field."""
    if status != 422:
        return f"{status} where the reference answers 422 for the field {list(at)}"
    body = json.loads(text)
    locs = [item["loc"] for item in body.get("exception_detail") or []]
    if not any(loc[: len(at)] == list(at) for loc in locs):
        return f"422 that does not name the field {list(at)}: {locs}"
    return None


def path_variants(route: Route, stored: Stored | None) -> list[tuple[str, dict[str, str]]]:
    if not route.params:
        return [("plain", {})]
    variants = [
        ("uuid", {p: str(uuid.uuid4()) for p in route.params}),
        ("not-a-uuid", {p: "not-a-uuid" for p in route.params}),
        ("name", {p: f"no-such-{uuid.uuid4().hex[:8]}" for p in route.params}),
        ("hostile", {p: "nul%00byte%20%F0%9F%98%80" for p in route.params}),
        ("long", {p: "x" * 3000 for p in route.params}),
    ]
    real = stored.real_ids(route) if stored else None
    if real:
        variants.append(("real", real))
    return variants


async def sweep(client: Any, app: web.Application, stored: Stored | None, backend: str) -> Sweep:
    out = Sweep(client, backend)
    # Bulk deletes are destructive by design: a junk body whose unknown keys are ignored
    # is a valid "delete everything". Their validation has tests of its own.
    routes = [r for r in app_routes(app) if not is_websocket(r) and not r.path.endswith("/bulk_delete")]
    for route in routes:
        operation = spec_operation(route.path, route.method)
        schema = body_schema(operation)
        for variant, values in path_variants(route, stored):
            url = fill(route.path, values)
            real = variant == "real"
            if route.method in ("GET", "DELETE"):
                if real and route.method == "DELETE":
                    continue
                await out.send(route, url, variant)
                for params in wrong_queries(operation):
                    await out.send(route, url, f"{variant}/query", params=params)
                continue
            # Methods with a body.
            takes_body = schema is not None
            for i, raw in enumerate(MALFORMED):
                await out.send(route, url, f"{variant}/malformed-{i}", raw=raw, invalid_body=takes_body)
            wrong_containers = NOT_AN_ARRAY if schema and schema["array"] else NOT_AN_OBJECT
            if route.path in STRING_BODY_ROUTES:
                wrong_containers = NOT_A_STRING
            for i, body in enumerate(wrong_containers):
                await out.send(
                    route, url, f"{variant}/container-{i}", body=body, invalid_body=takes_body and body is not None
                )
            if schema is not None and variant in ("uuid", "real", "plain"):
                for i, body in enumerate(wrong_typed_bodies(schema)):
                    # A body with one field of the wrong type: the reference's 422 names that field.
                    one = body[0] if isinstance(body, list) else body
                    at = None
                    if i > 0 and len(one) == 1:
                        at = ("body", 0, *one) if isinstance(body, list) else ("body", *one)
                    await out.send(
                        route, url, f"{variant}/wrong-types-{i}", body=body, invalid_body=True, invalid_at=at
                    )
            if schema is not None and variant in ("uuid", "plain"):
                for i, body in enumerate(huge_number_bodies(schema)):
                    await out.send(route, url, f"{variant}/huge-number-{i}", body=body)
            if not real and variant in ("uuid", "plain", "name"):
                for label, body in JUNK_OBJECTS.items():
                    await out.send(route, url, label if variant == "plain" else f"{variant}/{label}", body=body)
    return out


# -- the stored objects ---------------------------------------------------------------


async def make_objects(client: Any) -> Stored:
    flow = await (await client.post("/api/flows/", json={"name": f"keep-{uuid.uuid4().hex[:6]}"})).json()
    resp = await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "parameters": {"x": [1, 2]}})
    assert resp.status == 201, await resp.text()
    run = await resp.json()
    resp = await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "RUNNING"}})
    assert (await resp.json())["status"] == "ACCEPT"
    task_body = {"flow_run_id": run["id"], "task_key": "t", "dynamic_key": "0", "name": "t-0"}
    resp = await client.post("/api/task_runs/", json=task_body)
    assert resp.status == 201, await resp.text()
    task = await resp.json()
    logs = [
        {"name": "l", "level": 20, "message": f"m{i}", "timestamp": "2024-01-01T00:00:00Z", "flow_run_id": run["id"]}
        for i in range(3)
    ]
    assert (await client.post("/api/logs/", json=logs)).status == 201
    run_states = await (await client.get("/api/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    task_states = await (await client.get("/api/task_run_states/", params={"task_run_id": task["id"]})).json()
    return Stored(flow, run, task, run_states[-1]["id"], task_states[-1]["id"])


#: Fields computed at read time from the clock, not stored.
VOLATILE = {"estimated_run_time", "estimated_start_time_delta"}


async def snapshot(client: Any, stored: Stored) -> dict[str, Any]:
    async def get(url: str, **params: str) -> Any:
        resp = await client.get(url, params=params or None)
        assert resp.status == 200, f"{url}: {resp.status} {await resp.text()}"
        body = await resp.json()
        return {k: v for k, v in body.items() if k not in VOLATILE} if isinstance(body, dict) else body

    async def post(url: str, body: Any) -> Any:
        resp = await client.post(url, json=body)
        assert resp.status == 200, f"{url}: {resp.status} {await resp.text()}"
        return await resp.json()

    return {
        "flow": await get(f"/api/flows/{stored.flow['id']}"),
        "run": await get(f"/api/flow_runs/{stored.run['id']}"),
        "run_history": await get("/api/flow_run_states/", flow_run_id=stored.run["id"]),
        "task": await get(f"/api/task_runs/{stored.task['id']}"),
        "task_history": await get("/api/task_run_states/", task_run_id=stored.task["id"]),
        "logs": await post("/api/logs/filter", {"logs": {"flow_run_id": {"any_": [stored.run["id"]]}}}),
        "counts": [await post(f"/api/{kind}/count", {}) for kind in ("flows", "flow_runs", "task_runs")],
        "all_logs": len(await post("/api/logs/filter", {})),
        "work_pools": await post("/api/work_pools/count", {}),
        "deployments": await post("/api/deployments/count", {}),
    }


# -- tests ----------------------------------------------------------------------------


def test_every_route_is_swept(settings) -> None:
    """The sweep sees every route; it skips only those answering with a websocket."""
    from prefect_http.app import create_app

    routes = app_routes(create_app(settings))
    skipped = {r.path for r in routes if is_websocket(r)}
    assert WEBSOCKET_ROUTES <= skipped
    for route in routes:
        if route.path in skipped:
            assert route.method == "GET", route
    assert len(routes) - len(skipped) > 60


def test_wrong_values_are_wrong() -> None:
    assert wrong_value({"string"}) == {"not": "a string"}
    assert wrong_value({"string", "null"}) == {"not": "a string"}
    assert wrong_value({"object"}) == ["not", "an", "object"]
    assert wrong_value({"array"}) == {"not": "an array"}
    assert wrong_value({"number"}) == "not a number"
    assert wrong_value({"enum", "null"}) == {"not": "a string"}
    assert wrong_value({"any"}) is ...
    body = body_schema(spec_operation("/api/flow_runs/{id}/set_state", "POST"))
    assert body is not None
    assert wrong_typed_bodies(body)[0] == {"state": ["not", "an", "object"], "force": "maybe"}


def test_the_contract_covers_the_routes(settings) -> None:
    """Nearly every route has its reference operation in tests/data/api_contract.json."""
    from prefect_http.app import create_app

    routes = [r for r in app_routes(create_app(settings)) if not is_websocket(r)]
    missing = [(r.method, r.path) for r in routes if spec_operation(r.path, r.method) is None]
    assert len(missing) < len(routes) // 10, missing
    with_bodies = [r for r in routes if body_schema(spec_operation(r.path, r.method))]
    assert len(with_bodies) > 40


async def test_bad_input_never_breaks_the_server_or_the_data(client, backend: str) -> None:
    app = client.server.app
    stored = await make_objects(client)
    before = await snapshot(client, stored)
    started = time.monotonic()
    result = await sweep(client, app, stored, backend)
    elapsed = time.monotonic() - started
    after = await snapshot(client, stored)

    unexpected = result.unexpected()
    report = "\n".join(unexpected[:80])
    more = f"\n... and {len(unexpected) - 80} more" if len(unexpected) > 80 else ""
    assert not unexpected, f"{len(unexpected)} answers of {result.sent} fall short:\n{report}{more}"
    assert after == before
    assert result.sent > 1500 and elapsed < 60, (result.sent, elapsed)


#: (method, url, the reference's answer); {uuid} and {name} stand for unknown ones.
UNKNOWN_IDS = [
    ("GET", "/api/flows/{uuid}", {"detail": "Flow not found"}),
    ("DELETE", "/api/flows/{uuid}", {"detail": "Flow not found"}),
    ("GET", "/api/flows/name/{name}", {"detail": "Flow not found"}),
    ("GET", "/api/flow_runs/{uuid}", {"detail": "Flow run not found"}),
    ("DELETE", "/api/flow_runs/{uuid}", {"detail": "Flow run not found"}),
    ("GET", "/api/flow_run_states/{uuid}", {"detail": "Flow run state not found"}),
    ("GET", "/api/task_runs/{uuid}", {"detail": "Task not found"}),
    ("DELETE", "/api/task_runs/{uuid}", {"detail": "Task not found"}),
    ("PATCH", "/api/task_runs/{uuid}", {"detail": "Task run not found"}),
    ("GET", "/api/task_run_states/{uuid}", {"detail": "Flow run state not found"}),  # sic, as the reference
    ("GET", "/api/deployments/{uuid}", {"detail": "Deployment not found"}),
    ("DELETE", "/api/deployments/{uuid}", {"detail": "Deployment not found"}),
    ("GET", "/api/deployments/name/{name}/{name}", {"detail": "Deployment not found"}),
    ("GET", "/api/work_pools/{name}", {"detail": 'Work pool "{name}" not found.'}),
    ("DELETE", "/api/work_pools/{name}", {"detail": 'Work pool "{name}" not found.'}),
    ("GET", "/api/work_pools/{name}/queues/q", {"detail": "Work pool queue '{name}/q' not found."}),
    ("GET", "/api/work_queues/{uuid}", {"detail": "work queue not found"}),
    ("GET", "/api/work_queues/{uuid}/status", {"exception_message": "Work queue with id {uuid} not found"}),
    ("GET", "/api/work_queues/name/{name}", {"detail": "work queue not found"}),
    ("GET", "/api/flows/not-a-uuid", {"detail": "Not Found"}),  # no route takes it
    ("GET", "/api/flow_runs/not-a-uuid", {"detail": "Not Found"}),
    ("POST", "/api/flow_runs/{uuid}/set_state", {"exception_message": "Flow run with id {uuid} not found"}),
    ("POST", "/api/task_runs/{uuid}/set_state", {"exception_message": "Task run with id {uuid} not found"}),
]


@pytest.mark.parametrize("method, url, expected", UNKNOWN_IDS, ids=[f"{m} {u}" for m, u, _ in UNKNOWN_IDS])
async def test_unknown_ids_are_404_as_the_reference_says(
    client, method: str, url: str, expected: dict[str, str]
) -> None:
    values = {"{uuid}": str(uuid.uuid4()), "{name}": f"nope-{uuid.uuid4().hex[:6]}"}

    def fill_in(text: str) -> str:
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    bodies = {"set_state": {"state": {"type": "RUNNING"}}, "PATCH": {"name": "x"}}
    body = bodies["set_state"] if url.endswith("set_state") else bodies.get(method)
    resp = await client.request(method, fill_in(url), json=body)
    assert resp.status == 404, await resp.text()
    assert await resp.json() == {key: fill_in(text) for key, text in expected.items()}


# -- extreme values in otherwise valid bodies --------------------------------------------
#
# Each case sends a valid body with one extreme value in it and expects the answer the
# reference gives (its status, and for errors its body's shape and location); where the
# reference fails with a 500 (dates past year 9999), the 422 this server gives instead.
# What is accepted must read back as sent.


async def _answer(resp: Any) -> tuple[int, Any]:
    text = await resp.text()
    problem = check_answer(resp.status, text, invalid_body=False)
    assert problem is None, f"{resp.method} {resp.url.path} -> {resp.status} {text[:400]}: {problem}"
    return resp.status, (json.loads(text) if text else None)


async def _flow(client: Any) -> dict[str, Any]:
    return (await _answer(await client.post("/api/flows/", json={"name": f"f-{uuid.uuid4().hex[:8]}"})))[1]


async def _run(client: Any, **extra: Any) -> tuple[int, Any]:
    flow = await _flow(client)
    return await _answer(await client.post("/api/flow_runs/", json={"flow_id": flow["id"], **extra}))


async def _read_run(client: Any, run_id: str) -> dict[str, Any]:
    return (await _answer(await client.get(f"/api/flow_runs/{run_id}")))[1]


def _invalid_at(answer: Any, *loc: Any) -> str:
    """The type of the one validation error of a 422 answer, which must be at `loc`."""
    assert answer["exception_message"] == "Invalid request received.", answer
    assert [item["loc"] for item in answer["exception_detail"]] == [["body", *loc]], answer
    return answer["exception_detail"][0]["type"]


async def case_long_flow_name(client: Any) -> None:
    for length in (255, 256, 5000):  # the reference sets no limit
        name = "n" * length
        status, flow = await _answer(await client.post("/api/flows/", json={"name": name}))
        assert status == 201, flow
        assert (await _answer(await client.get(f"/api/flows/{flow['id']}")))[1]["name"] == name


async def case_long_flow_run_fields(client: Any) -> None:
    for field_name in ("name", "idempotency_key", "flow_version"):
        value = "v" * 5000
        status, run = await _run(client, **{field_name: value})
        assert status == 201, run
        assert (await _read_run(client, run["id"]))[field_name] == value
    status, answer = await _run(client, infrastructure_pid="v" * 5000)  # not a field of the create body
    assert status == 422 and _invalid_at(answer, "infrastructure_pid") == "extra_forbidden"


async def case_long_task_run_keys(client: Any) -> None:
    _, run = await _run(client)
    for field_name in ("task_key", "dynamic_key", "name", "cache_key"):
        body = {"flow_run_id": run["id"], "task_key": "k", "dynamic_key": uuid.uuid4().hex, field_name: "v" * 5000}
        status, task = await _answer(await client.post("/api/task_runs/", json=body))
        if field_name == "cache_key":  # the reference caps cache keys at 2000 characters
            assert status == 422 and _invalid_at(task, "cache_key") == "value_error"
            assert "maximum allowed length of 2000" in task["exception_detail"][0]["msg"]
            continue
        assert status == 201, task
        assert (await _answer(await client.get(f"/api/task_runs/{task['id']}")))[1][field_name] == "v" * 5000


async def case_long_state_name_and_message(client: Any) -> None:
    _, run = await _run(client)
    state = {"type": "RUNNING", "name": "s" * 1000, "message": "m" * 100_000}
    status, result = await _answer(await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": state}))
    assert status == 201 and result["status"] == "ACCEPT", result
    stored = await _read_run(client, run["id"])
    assert stored["state"]["name"] == state["name"] and stored["state"]["message"] == state["message"]


async def case_log_levels(client: Any) -> None:
    for level in (2**15, -(2**15) - 1, 2**31, 2**63 - 1):
        log = {"name": "l", "level": level, "message": f"level {level}", "timestamp": "2024-01-01T00:00:00Z"}
        status, _ = await _answer(await client.post("/api/logs/", json=[log]))
        assert status == 201
        same_level = {"logs": {"level": {"ge_": level, "le_": level}}}
        found = (await _answer(await client.post("/api/logs/filter", json=same_level)))[1]
        assert [entry["message"] for entry in found] == [log["message"]]


async def case_log_filter_levels(client: Any) -> None:
    log = {"name": "l", "level": 32_000, "message": "high", "timestamp": "2024-01-01T00:00:00Z"}
    assert (await _answer(await client.post("/api/logs/", json=[log])))[0] == 201
    for bound, found in ((2**14, ["high"]), (2**15, []), (2**31, []), (2**63 - 1, []), (-(2**63), ["high"])):
        status, logs = await _answer(await client.post("/api/logs/filter", json={"logs": {"level": {"ge_": bound}}}))
        assert status == 200 and [entry["message"] for entry in logs] == found, (bound, logs)


async def case_nul_in_logs_is_dropped(client: Any) -> None:
    """As the reference does (PrefectHQ/prefect#20677): the log is kept, minus the NUL."""
    _, run = await _run(client)
    log = {
        "name": "n\x00ame",
        "level": 20,
        "message": "bin\x00ary",
        "timestamp": "2024-01-01T00:00:00Z",
        "flow_run_id": run["id"],
    }
    assert (await _answer(await client.post("/api/logs/", json=[log])))[0] == 201
    found = (
        await _answer(await client.post("/api/logs/filter", json={"logs": {"flow_run_id": {"any_": [run["id"]]}}}))
    )[1]
    assert [(entry["name"], entry["message"]) for entry in found] == [("name", "binary")]


async def case_nul_elsewhere_is_422(client: Any) -> None:
    flow = await _flow(client)
    for body in (
        {"flow_id": flow["id"], "parameters": {"x": "a\x00b"}},
        {"flow_id": flow["id"], "name": "a\x00b"},
        {"flow_id": flow["id"], "tags": ["a\x00"]},
        {"flow_id": flow["id"], "parameters": {"k\x00": 1}},
    ):
        status, answer = await _answer(await client.post("/api/flow_runs/", json=body))
        assert status == 422, answer
    assert (await _answer(await client.post("/api/flows/", json={"name": "a\x00b"})))[0] == 422
    assert (await _answer(await client.get("/api/flows/name/a%00b")))[0] == 404


async def case_big_integers(client: Any) -> None:
    status, run = await _run(client, parameters={"top": 2**63 - 1, "bottom": -(2**63), "f": 1.7e308})
    assert status == 201
    assert (await _read_run(client, run["id"]))["parameters"] == {"top": 2**63 - 1, "bottom": -(2**63), "f": 1.7e308}
    for value in (2**63, 2**64 - 1):
        status, answer = await _run(client, parameters={"x": value})
        assert status == 422 and answer["exception_detail"][0]["loc"] == ["body", "parameters", "x"], answer


async def case_deep_but_allowed(client: Any) -> None:
    deep = nested(120)
    status, run = await _run(client, parameters={"deep": deep})
    assert status == 201
    assert (await _read_run(client, run["id"]))["parameters"] == {"deep": deep}
    page = (await _answer(await client.post("/api/flow_runs/paginate", json={})))[1]
    assert any(r["id"] == run["id"] for r in page["results"])
    status, answer = await _run(client, parameters={"deep": nested(200)})
    assert status == 422, answer


async def case_huge_retry_delay(client: Any) -> None:
    _, run = await _run(client, empirical_policy={"retries": 2, "retry_delay": 2**62})
    url = f"/api/flow_runs/{run['id']}/set_state"
    status, result = await _answer(await client.post(url, json={"state": {"type": "RUNNING"}}))
    assert status == 201 and result["status"] == "ACCEPT"
    # The retry would be due after year 9999: the reference fails with a 500; we refuse it.
    status, answer = await _answer(await client.post(url, json={"state": {"type": "FAILED"}}))
    assert status == 422 and set(answer) == {"detail"} and "out of range" in answer["detail"], answer
    assert (await _read_run(client, run["id"]))["state_type"] == "RUNNING"


async def case_extreme_datetimes(client: Any) -> None:
    """Dates the schemas accept are stored and read back, through creation and set_state,
    and the runs holding them do not break the listings."""
    import datetime as dt

    def parse(text: str) -> dt.datetime:
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise AssertionError(f"{text!r} is not ISO 8601") from None

    _, existing = await _run(client)
    for when in ("0001-01-01T00:00:00Z", "0999-06-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"):
        state = {"type": "SCHEDULED", "state_details": {"scheduled_time": when}}
        status, run = await _run(client, state=state)
        assert status == 201, run
        stored = (await _read_run(client, run["id"]))["state"]["state_details"]["scheduled_time"]
        assert parse(stored) == parse(when), (stored, when)
        url = f"/api/flow_runs/{existing['id']}/set_state"
        status, result = await _answer(await client.post(url, json={"state": state, "force": True}))
        assert status == 201 and result["status"] == "ACCEPT", result
        stored = (await _read_run(client, existing["id"]))["next_scheduled_start_time"]
        assert parse(stored) == parse(when), (stored, when)
        assert (await _answer(await client.post("/api/flow_runs/filter", json={})))[0] == 200
    body = {"flow_runs": {"expected_start_time": {"after_": "0001-01-01T00:00:00Z", "before_": "9999-12-31T23:59:59Z"}}}
    status, runs = await _answer(await client.post("/api/flow_runs/filter", json=body))
    assert status == 200 and len(runs) == 3  # all but the one expected at 23:59:59.999999


async def case_history_bounds(client: Any) -> None:
    # Each has an interval that ends after year 9999: the reference fails with a 500 (or
    # drops the connection); we refuse the request.
    for start, end, interval in (
        ("2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", 8e13),
        ("9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z", 100_000),
        ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", 1e9),
    ):
        body = {"history_start": start, "history_end": end, "history_interval_seconds": interval}
        status, answer = await _answer(await client.post("/api/flow_runs/history", json=body))
        assert status == 422 and set(answer) == {"detail"} and "out of range" in answer["detail"], (body, answer)
    body = {
        "history_start": "2020-01-01T00:00:00Z",
        "history_end": "2020-01-01T00:00:03Z",
        "history_interval_seconds": 1,
    }
    status, intervals = await _answer(await client.post("/api/flow_runs/history", json=body))
    assert status == 200 and len(intervals) == 3


#: Each case either stores its extreme value and reads it back, or gets a proper 4xx.
EXTREME_CASES: dict[str, Any] = {
    "long-flow-name": case_long_flow_name,
    "long-flow-run-fields": case_long_flow_run_fields,
    "long-task-run-keys": case_long_task_run_keys,
    "long-state-name": case_long_state_name_and_message,
    "log-levels": case_log_levels,
    "log-filter-levels": case_log_filter_levels,
    "nul-in-logs": case_nul_in_logs_is_dropped,
    "nul-elsewhere": case_nul_elsewhere_is_422,
    "big-integers": case_big_integers,
    "deep-but-allowed": case_deep_but_allowed,
    "huge-retry-delay": case_huge_retry_delay,
    "extreme-datetimes": case_extreme_datetimes,
    "history-bounds": case_history_bounds,
}


#: Cases where a backend answers otherwise than the reference, by (backend, case): why.
#: Each is a bug reported to the schema's owner; the test fails once it is fixed (strict
#: xfail), so that it leaves this list.
EXTREME_KNOWN_BUGS: dict[tuple[str, str], str] = {
    (backend, case): reason
    for backend, cases, reason in [
        (
            "postgres",
            ("long-flow-name", "long-flow-run-fields", "long-task-run-keys"),
            "name, key and version columns are varchar(255) on PostgreSQL (422); the reference's are unbounded",
        ),
        (
            "postgres",
            ("long-state-name",),
            "state names are varchar(64) on PostgreSQL (422); the reference's are unbounded",
        ),
        (
            "postgres",
            ("log-levels",),
            "log levels are smallint on PostgreSQL (422 above 32767), as the reference's "
            "(which fails with a 500); SQLite stores any 64-bit level",
        ),
    ]
    for case in cases
}


@pytest.mark.parametrize("case", list(EXTREME_CASES))
async def test_extreme_values(client, backend: str, case: str, request: pytest.FixtureRequest) -> None:
    reason = EXTREME_KNOWN_BUGS.get((backend, case))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    await EXTREME_CASES[case](client)
