"""/block_types, /block_schemas and /block_capabilities, and the system blocks every
server registers at start-up."""

from __future__ import annotations

import uuid

from prefect_core.services.block_data import schema_checksum
from prefect_http.keys import SERVICES

SYSTEM_SLUGS = {
    "custom-webhook",
    "discord-webhook",
    "local-file-system",
    "mattermost-webhook",
    "ms-teams-webhook",
    "opsgenie-webhook",
    "pager-duty-webhook",
    "remote-file-system",
    "secret",
    "sendgrid-email",
    "slack-webhook",
    "smb",
    "twilio-sms",
    "webhook",
}


async def _json(resp, status: int = 200):
    assert resp.status == status, await resp.text()
    return await resp.json()


async def make_type(client, name: str = "My Thing", slug: str = "my-thing", **more) -> dict:
    return await _json(await client.post("/api/block_types/", json={"name": name, "slug": slug, **more}), 201)


def thing_fields(title: str = "MyThing", extra: str = "x") -> dict:
    return {
        "title": title,
        "type": "object",
        "properties": {extra: {"title": extra, "type": "string"}, "password": {"type": "string", "format": "password"}},
        "secret_fields": ["password"],
        "block_type_slug": "my-thing",
        "block_schema_references": {},
    }


async def test_system_blocks_are_registered_protected_and_idempotent(client) -> None:
    types = await _json(await client.post("/api/block_types/filter", json={}))
    assert {t["slug"] for t in types} == SYSTEM_SLUGS
    assert [t["name"] for t in types] == sorted(t["name"] for t in types)
    protected = {t["slug"] for t in types if t["is_protected"]}
    assert protected == {"secret", "webhook", "local-file-system"}
    schemas = await _json(await client.post("/api/block_schemas/filter", json={}))
    assert len(schemas) == len(SYSTEM_SLUGS)
    for schema in schemas:
        # The stored checksum is what the client computes from the fields.
        assert schema["checksum"] == schema_checksum(schema["fields"])
        assert schema["block_type"]["id"] == schema["block_type_id"]
    # Registering again (a restart, or a second server) changes nothing.
    await client.app[SERVICES].system_blocks.register()
    assert await _json(await client.post("/api/block_types/filter", json={})) == types
    assert len(await _json(await client.post("/api/block_schemas/filter", json={}))) == len(SYSTEM_SLUGS)
    assert await _json(await client.post("/api/block_types/install_system_block_types")) is None
    secret = await _json(await client.get("/api/block_types/slug/secret"))
    for path in (f"/api/block_types/{secret['id']}",):
        body = await _json(await client.delete(path), 403)
        assert body == {"detail": "protected block types cannot be deleted."}
    secret_schema = next(s for s in schemas if s["block_type_id"] == secret["id"])
    body = await _json(await client.delete(f"/api/block_schemas/{secret_schema['id']}"), 403)
    assert body == {"detail": "Block schemas for protected block types cannot be deleted."}
    # Protected types may be updated, as in the reference.
    assert (await client.patch(f"/api/block_types/{secret['id']}", json={"logo_url": "https://x/y.png"})).status == 204
    assert (await _json(await client.get("/api/block_types/slug/secret")))["logo_url"] == "https://x/y.png"


async def test_block_type_lifecycle(client) -> None:
    created = await make_type(client, description="<b>bold</b> & more", code_example="x < y")
    assert created["is_protected"] is False and created["slug"] == "my-thing"
    # Escaped on create, as the reference does.
    assert created["description"] == "&lt;b&gt;bold&lt;/b&gt; &amp; more"
    assert await _json(await client.get(f"/api/block_types/{created['id']}")) == created
    assert await _json(await client.get("/api/block_types/slug/my-thing")) == created
    # Only the slug is unique, as in the reference (whose 409 names the name sent).
    dup = await _json(await client.post("/api/block_types/", json={"name": "Other", "slug": "my-thing"}), 409)
    assert dup == {"detail": 'Block type with name "Other" already exists'}
    same_name = await make_type(client, "My Thing", "my-thing-2")
    assert (await client.delete(f"/api/block_types/{same_name['id']}")).status == 204
    reserved = await _json(await client.post("/api/block_types/", json={"name": "PrefectX", "slug": "px"}), 403)
    assert reserved == {"detail": "Block type names beginning with 'Prefect' are reserved."}
    bad_slug = await _json(await client.post("/api/block_types/", json={"name": "A", "slug": "Not OK"}), 422)
    assert bad_slug["exception_detail"][0]["loc"] == ["body", "slug"]
    found = await _json(
        await client.post("/api/block_types/filter", json={"block_types": {"name": {"like_": "thing"}}})
    )
    assert [t["id"] for t in found] == [created["id"]]
    found = await _json(
        await client.post("/api/block_types/filter", json={"block_types": {"slug": {"any_": ["secret"]}}})
    )
    assert [t["slug"] for t in found] == ["secret"]
    page = await _json(await client.post("/api/block_types/filter", json={"limit": 2, "offset": 1}))
    assert len(page) == 2
    assert (await client.patch(f"/api/block_types/{created['id']}", json={"description": "plain"})).status == 204
    assert (await _json(await client.get(f"/api/block_types/{created['id']}")))["description"] == "plain"
    unknown = await _json(await client.patch(f"/api/block_types/{created['id']}", json={"name": "renamed"}), 422)
    assert unknown["exception_detail"][0]["type"] == "extra_forbidden"
    assert (await client.delete(f"/api/block_types/{created['id']}")).status == 204
    for path in (f"/api/block_types/{created['id']}", "/api/block_types/slug/my-thing"):
        assert await _json(await client.get(path), 404) == {"detail": "Block type not found"}
    assert (await client.delete(f"/api/block_types/{uuid.uuid4()}")).status == 404
    assert (await client.get("/api/block_types/not-a-uuid")).status == 404


async def test_block_schema_create_is_idempotent_by_checksum_and_version(client) -> None:
    block_type = await make_type(client)
    body = {"fields": thing_fields(), "block_type_id": block_type["id"], "capabilities": ["read", "write"]}
    created = await _json(await client.post("/api/block_schemas/", json=body), 201)
    assert created["checksum"] == schema_checksum(body["fields"]) and created["version"] == "non-versioned"
    assert created["block_type"]["slug"] == "my-thing" and created["fields"] == body["fields"]
    again = await _json(await client.post("/api/block_schemas/", json=body), 200)
    assert again["id"] == created["id"]
    v2 = await _json(await client.post("/api/block_schemas/", json={**body, "version": "2.0"}), 201)
    assert v2["id"] != created["id"] and v2["checksum"] == created["checksum"]
    by_checksum = f"/api/block_schemas/checksum/{created['checksum']}"
    assert (await _json(await client.get(by_checksum)))["id"] == v2["id"]  # the newest
    assert (await _json(await client.get(by_checksum, params={"version": "non-versioned"})))["id"] == created["id"]
    assert await _json(await client.get(by_checksum, params={"version": "9"}), 404) == {
        "detail": "Block schema not found"
    }
    assert (await _json(await client.get(f"/api/block_schemas/{created['id']}")))["id"] == created["id"]
    missing_type = {**body, "block_type_id": str(uuid.uuid4())}
    assert (await client.post("/api/block_schemas/", json=missing_type)).status == 404

    flt = {"block_schemas": {"block_type_id": {"any_": [block_type["id"]]}}}
    assert {s["id"] for s in await _json(await client.post("/api/block_schemas/filter", json=flt))} == {
        created["id"],
        v2["id"],
    }
    flt = {"block_schemas": {"block_capabilities": {"all_": ["read", "write"]}}}
    assert {s["id"] for s in await _json(await client.post("/api/block_schemas/filter", json=flt))} == {
        created["id"],
        v2["id"],
    }
    flt = {"block_schemas": {"block_capabilities": {"all_": ["read", "notify"]}}}
    assert await _json(await client.post("/api/block_schemas/filter", json=flt)) == []
    flt = {"block_schemas": {"version": {"any_": ["2.0"]}}}
    assert [s["id"] for s in await _json(await client.post("/api/block_schemas/filter", json=flt))] == [v2["id"]]
    # Types having a schema with a capability.
    flt = {"block_schemas": {"block_capabilities": {"all_": ["read"]}}}
    assert [t["slug"] for t in await _json(await client.post("/api/block_types/filter", json=flt))] == ["my-thing"]

    capabilities = await _json(await client.get("/api/block_capabilities/"))
    assert {"read", "write", "notify", "read-path", "write-path"} <= set(capabilities)
    assert len(capabilities) == len(set(capabilities))

    assert (await client.delete(f"/api/block_schemas/{v2['id']}")).status == 204
    assert (await client.get(f"/api/block_schemas/{v2['id']}")).status == 404
    assert (await client.delete(f"/api/block_schemas/{v2['id']}")).status == 404


async def test_nested_block_schemas_are_registered_with_their_parent(client) -> None:
    await make_type(client, "Inner", "inner")
    outer_type = await make_type(client, "Outer", "outer")
    inner_fields = {
        "title": "Inner",
        "type": "object",
        "properties": {"token": {"type": "string", "format": "password", "writeOnly": True}},
        "secret_fields": ["token"],
        "block_type_slug": "inner",
        "block_schema_references": {},
    }
    outer_fields = {
        "title": "Outer",
        "type": "object",
        "properties": {"inner": {"$ref": "#/definitions/Inner"}, "label": {"type": "string"}},
        "secret_fields": ["inner.token"],
        "block_type_slug": "outer",
        "block_schema_references": {
            "inner": {"block_type_slug": "inner", "block_schema_checksum": schema_checksum(inner_fields)}
        },
        "definitions": {"Inner": inner_fields},
    }
    outer = await _json(
        await client.post("/api/block_schemas/", json={"fields": outer_fields, "block_type_id": outer_type["id"]}), 201
    )
    assert outer["fields"]["block_schema_references"]["inner"]["block_type_slug"] == "inner"
    inner = await _json(await client.get(f"/api/block_schemas/checksum/{schema_checksum(inner_fields)}"))
    assert inner["block_type"]["slug"] == "inner" and inner["fields"]["properties"] == inner_fields["properties"]
    # A nested type that does not exist: 409, and nothing is stored.
    orphan = {**outer_fields, "title": "Orphan"}
    orphan["block_schema_references"] = {"inner": {"block_type_slug": "nope", "block_schema_checksum": "sha256:x"}}
    before = await _json(await client.post("/api/block_schemas/filter", json={}))
    resp = await client.post("/api/block_schemas/", json={"fields": orphan, "block_type_id": outer_type["id"]})
    assert resp.status == 409 and "'nope' was not found" in (await resp.json())["detail"]
    assert await _json(await client.post("/api/block_schemas/filter", json={})) == before
