"""The flow read, by-name, filter and paginate endpoints answer documents built from the
stored rows (`prefect_storage_sql.repositories.documents`), not from the `Flow` model: their
JSON must be the model's JSON, byte for byte, on both backends."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from prefect_core.schemas.bodies.queries import FlowQuery
from prefect_http.jsonio import dumps
from prefect_http.keys import SERVICES

pytestmark = pytest.mark.timeout(120)

FLOWS: list[dict[str, Any]] = [
    {"name": "plain"},
    {"name": "tagged-ü", "tags": ["a", "b", "ü"], "labels": {"i": 1, "f": 2.5, "whole": 3.0, "b": False, "s": "x"}},
    {"name": "no-labels", "tags": [], "labels": None},
]


async def _seed(client) -> list[dict[str, Any]]:
    created = []
    for body in FLOWS:
        resp = await client.post("/api/flows/", json=body)
        assert resp.status == 201, await resp.text()
        created.append(await resp.json())
    return created


async def test_flow_documents_are_the_models_json(client) -> None:
    created = await _seed(client)
    flows = client.server.app[SERVICES].flows
    for flow in created:
        model_json = dumps(await flows.read(flow["id"]))
        for path in (f"/api/flows/{flow['id']}", f"/api/flows/name/{flow['name']}"):
            resp = await client.get(path)
            assert resp.status == 200
            assert await resp.read() == model_json, path
    for sort in ("CREATED_DESC", "NAME_ASC", "NAME_DESC", "UPDATED_DESC"):
        query: dict[str, Any] = {"sort": sort, "limit": 10}
        resp = await client.post("/api/flows/filter", json=query)
        assert await resp.read() == dumps(await flows.filter(FlowQuery.model_validate(query))), sort
    # A page with criteria (not the prebuilt list statement) and an offset.
    criteria: dict[str, Any] = {"flows": {"name": {"like_": "a"}}, "sort": "NAME_ASC", "offset": 1, "limit": 5}
    resp = await client.post("/api/flows/filter", json=criteria)
    answered = await resp.read()
    assert answered == dumps(await flows.filter(FlowQuery.model_validate(criteria)))
    assert [f["name"] for f in orjson.loads(answered)] == ["plain", "tagged-ü"]
    resp = await client.post("/api/flows/paginate", json={"limit": 2, "page": 1, "sort": "NAME_ASC"})
    page = orjson.loads(await resp.read())
    assert [f["name"] for f in page["results"]] == ["no-labels", "plain"]
    assert page["count"] == 3 and page["pages"] == 2


async def test_flow_documents_carry_what_was_stored(client) -> None:
    """Spot checks that the comparison above compares something."""
    created = await _seed(client)
    tagged = orjson.loads(await (await client.get(f"/api/flows/{created[1]['id']}")).read())
    assert list(tagged) == ["id", "created", "updated", "name", "tags", "labels"]
    assert tagged["tags"] == ["a", "b", "ü"] and tagged["labels"]["b"] is False
    assert tagged["labels"]["whole"] == 3.0 and isinstance(tagged["labels"]["whole"], float)
    assert tagged["created"].endswith("Z") and tagged["id"] == created[1]["id"]
    plain = orjson.loads(await (await client.get("/api/flows/name/no-labels")).read())
    assert plain["labels"] is None and plain["tags"] == []
    missing = await client.get("/api/flows/name/nope")
    assert missing.status == 404 and (await missing.json()) == {"detail": "Flow not found"}
    missing = await client.get("/api/flows/00000000-0000-0000-0000-000000000000")
    assert missing.status == 404
