"""GET /api/openapi.json: generated from the route table, valid OpenAPI 3.1; /docs renders it."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from prefect_core.settings import Settings
from prefect_http.app import create_app
from prefect_http.openapi import describe


@pytest.fixture
async def app_client(tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(Settings.from_env({"PREFECT_DATABASE_PATH": str(tmp_path / "p.db")})))


async def _document(client) -> dict:  # type: ignore[no-untyped-def]
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200 and resp.content_type == "application/json"
    return await resp.json()


def _served_operations(app: web.Application) -> set[tuple[str, str]]:
    """(path below /api, method) of every REST route, read from the router."""
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if not path.startswith("/api/") or route.method in ("HEAD", "*"):
            continue
        if route.handler.__module__.startswith("prefect_http.ws."):
            continue
        if path in ("/api/openapi.json", "/api/docs"):
            continue
        found.add((path[len("/api") :], route.method.lower()))
    return found


async def test_the_document_is_valid_openapi_31(app_client) -> None:
    doc = await _document(app_client)
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": "/api"}]
    validate(doc)


async def test_every_operation_served_is_described(app_client) -> None:
    doc = await _document(app_client)
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    served = _served_operations(app_client.app)
    assert len(served) > 100
    assert described == served
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, ops in doc["paths"].items():
        names = re.findall(r"\{(\w+)\}", path)
        for op in ops.values():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == set(names), path


async def test_declared_operations_carry_their_schemas(app_client) -> None:
    doc = await _document(app_client)
    create = doc["paths"]["/flows/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/FlowCreate"}
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Flow"}
    flow = doc["components"]["schemas"]["Flow"]
    assert {"id", "name", "tags", "labels"} <= set(flow["properties"])
    read = doc["paths"]["/flows/{id}"]["get"]
    assert read["parameters"][0]["schema"]["format"] == "uuid"
    listing = doc["paths"]["/flow_runs/filter"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing == {"type": "array", "items": {"$ref": "#/components/schemas/FlowRun"}}
    assert doc["paths"]["/flows/{id}"]["delete"]["responses"]["204"] == {"description": "Successful Response"}
    csrf = doc["paths"]["/csrf-token"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in csrf] == [("client", "query", True)]
    # bodies that may be empty are not required
    assert doc["paths"]["/flows/filter"]["post"]["requestBody"]["required"] is False


async def test_new_route_modules_are_picked_up(tmp_path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from pydantic import BaseModel

    class Gadget(BaseModel):
        name: str

    extra = web.RouteTableDef()

    @extra.put("/api/gadgets/{gadget_id}")
    @describe(body=Gadget, response=list[Gadget])
    async def put_gadget(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    @extra.get("/api/gadgets/{name}/parts")
    async def read_parts(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    app = create_app(Settings.from_env({"PREFECT_DATABASE_PATH": str(tmp_path / "p.db")}))
    app.router.add_routes(extra)
    doc = await _document(await aiohttp_client(app))
    put = doc["paths"]["/gadgets/{gadget_id}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Gadget"}
    assert put["parameters"][0]["schema"] == {"type": "string", "title": "Gadget Id", "format": "uuid"}
    parts = doc["paths"]["/gadgets/{name}/parts"]["get"]
    assert parts["parameters"] == [
        {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "title": "Name"}}
    ]
    validate(doc)


async def test_docs_render_with_packaged_swagger_ui(app_client) -> None:
    for path, spec in (("/docs", "/openapi.json"), ("/api/docs", "/api/openapi.json")):
        resp = await app_client.get(path)
        assert resp.status == 200 and resp.content_type == "text/html"
        page = await resp.text()
        assert f'url: "{spec}"' in page and "cdn" not in page.lower()
        script = re.search(r'src="(/docs/swagger-ui/[^"]+/swagger-ui-bundle\.js)"', page)
        assert script, page
        asset = await app_client.get(script.group(1))
        assert asset.status == 200 and asset.headers["Content-Type"].startswith("text/javascript")
        assert "SwaggerUIBundle" in await asset.text()
    assert (await (await app_client.get("/openapi.json")).json())["openapi"] == "3.1.0"
    assert (await app_client.get("/docs/swagger-ui/0.0/../../etc/passwd")).status == 404
