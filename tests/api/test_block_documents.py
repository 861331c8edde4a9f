"""/block_documents and the documents of a block type: names, anonymous documents,
nested documents by reference, secrets masked unless asked for, updates."""

from __future__ import annotations

import logging
import uuid

from prefect_core.services.block_data import OBFUSCATED
from prefect_http.keys import SERVICES
from tests.api.test_block_types_schemas import _json, make_type

SECRET = "hunter2-very-secret-value"


async def _schema(client, block_type: dict, fields: dict) -> dict:
    body = {"fields": fields, "block_type_id": block_type["id"]}
    resp = await client.post("/api/block_schemas/", json=body)
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _creds(client) -> tuple[dict, dict]:
    block_type = await make_type(client, "Creds", "creds")
    fields = {
        "title": "Creds",
        "type": "object",
        "properties": {
            "user": {"type": "string"},
            "password": {"type": "string", "format": "password", "writeOnly": True},
            "headers": {"type": "object"},
        },
        "secret_fields": ["password", "headers.*"],
        "block_type_slug": "creds",
        "block_schema_references": {},
    }
    return block_type, await _schema(client, block_type, fields)


async def _document(client, block_type: dict, schema: dict, name: str | None, data: dict, **more) -> dict:
    body = {"name": name, "data": data, "block_type_id": block_type["id"], "block_schema_id": schema["id"], **more}
    return await _json(await client.post("/api/block_documents/", json=body), 201)


async def test_create_read_secrets_masked_and_included(client) -> None:
    block_type, schema = await _creds(client)
    data = {"user": "me", "password": SECRET, "headers": {"Authorization": "Bearer abc", "X": "y"}}
    created = await _document(client, block_type, schema, "prod", data)
    masked = {"user": "me", "password": OBFUSCATED, "headers": {"Authorization": OBFUSCATED, "X": OBFUSCATED}}
    assert created["data"] == masked
    assert SECRET not in str(created)
    assert created["block_type_name"] == "Creds" and created["block_type"]["slug"] == "creds"
    assert created["block_schema"]["id"] == schema["id"] and created["is_anonymous"] is False
    assert created["block_document_references"] == {}
    by_id = f"/api/block_documents/{created['id']}"
    assert (await _json(await client.get(by_id)))["data"] == masked
    assert (await _json(await client.get(by_id, params={"include_secrets": "true"})))["data"] == data
    by_name = "/api/block_types/slug/creds/block_documents/name/prod"
    assert (await _json(await client.get(by_name)))["data"] == masked
    assert (await _json(await client.get(by_name, params={"include_secrets": "1"})))["data"] == data
    bad_flag = await _json(await client.get(by_id, params={"include_secrets": "maybe"}), 422)
    assert bad_flag["exception_detail"][0]["loc"] == ["query", "include_secrets"]
    of_type = await _json(await client.get("/api/block_types/slug/creds/block_documents"))
    assert [d["name"] for d in of_type] == ["prod"] and of_type[0]["data"] == masked
    listed = await _json(await client.post("/api/block_documents/filter", json={"include_secrets": True}))
    assert [d["data"] for d in listed] == [data]
    for path in (f"/api/block_documents/{uuid.uuid4()}", "/api/block_types/slug/creds/block_documents/name/nope"):
        assert await _json(await client.get(path), 404) == {"detail": "Block document not found"}
    assert await _json(await client.get("/api/block_types/slug/nope/block_documents"), 404) == {
        "detail": "Block type not found"
    }


async def test_duplicate_names_anonymous_documents_and_filters(client) -> None:
    block_type, schema = await _creds(client)
    other_type = await make_type(client, "Other", "other")
    other_schema = await _schema(client, other_type, {"title": "Other", "type": "object", "properties": {}})
    first = await _document(client, block_type, schema, "alpha", {"user": "a"})
    dup = {"name": "alpha", "data": {}, "block_type_id": block_type["id"], "block_schema_id": schema["id"]}
    assert await _json(await client.post("/api/block_documents/", json=dup), 409) == {"detail": "Block already exists"}
    # The same name for another type is fine.
    await _document(client, other_type, other_schema, "alpha", {})
    await _document(client, block_type, schema, "beta", {"user": "b"})
    anonymous = await _document(client, block_type, schema, None, {"user": "anon"}, is_anonymous=True)
    assert anonymous["is_anonymous"] is True and anonymous["name"].startswith("anonymous-")
    unnamed = {"data": {}, "block_type_id": block_type["id"], "block_schema_id": schema["id"]}
    body = await _json(await client.post("/api/block_documents/", json=unnamed), 422)
    assert "Names must be provided for block documents." in body["exception_detail"][0]["msg"]
    bad_name = {**unnamed, "name": "Has Spaces"}
    assert (await client.post("/api/block_documents/", json=bad_name)).status == 422

    async def names(body: dict) -> list[str]:
        return [d["name"] for d in await _json(await client.post("/api/block_documents/filter", json=body))]

    assert await names({}) == ["alpha", "alpha", "beta"]  # anonymous left out by default
    assert await names({"block_documents": {"is_anonymous": {"eq_": True}}}) == [anonymous["name"]]
    assert len(await names({"block_documents": {"is_anonymous": None}})) == 4
    assert await names({"block_types": {"slug": {"any_": ["creds"]}}}) == ["alpha", "beta"]
    assert await names({"block_documents": {"name": {"like_": "bet"}}}) == ["beta"]
    assert await names({"block_documents": {"id": {"any_": [first["id"]]}}}) == ["alpha"]
    assert await names({"sort": "NAME_DESC", "limit": 1}) == ["beta"]
    assert await names({"sort": "BLOCK_TYPE_AND_NAME_ASC"}) == ["alpha", "beta", "alpha"]
    assert await names({"block_schemas": {"id": {"any_": [other_schema["id"]]}}}) == ["alpha"]
    assert await names({"block_documents": {"block_type_id": {"any_": [other_type["id"]]}}}) == ["alpha"]
    count = "/api/block_documents/count"
    assert await _json(await client.post(count, json={})) == 3
    assert await _json(await client.post(count, json={"block_documents": {"is_anonymous": {"eq_": True}}})) == 1
    assert await _json(await client.post(count, json={"block_types": {"slug": {"any_": ["other"]}}})) == 1
    bad = await _json(await client.post("/api/block_documents/filter", json={"sort": "SIDEWAYS"}), 422)
    assert bad["exception_detail"][0]["loc"] == ["body", "sort"]
    # Deleting a type deletes its documents.
    assert (await client.delete(f"/api/block_types/{other_type['id']}")).status == 204
    assert await _json(await client.post(count, json={})) == 2


async def test_update_replaces_or_merges_and_keeps_masked_secrets(client) -> None:
    block_type, schema = await _creds(client)
    data = {"user": "me", "password": SECRET, "headers": {"Authorization": "tok"}}
    doc = await _document(client, block_type, schema, "prod", data)
    path = f"/api/block_documents/{doc['id']}"

    async def stored() -> dict:
        return (await _json(await client.get(path, params={"include_secrets": "true"})))["data"]

    # A client saving back what it read (masked) keeps the stored secrets.
    read = (await _json(await client.get(path)))["data"]
    assert (
        await client.patch(path, json={"data": {**read, "user": "you"}, "merge_existing_data": False})
    ).status == 204
    assert await stored() == {**data, "user": "you"}
    # A merge sets only what is sent.
    assert (await client.patch(path, json={"data": {"password": "new-secret"}})).status == 204
    assert await stored() == {**data, "user": "you", "password": "new-secret"}
    # A replace without data empties it.
    assert (await client.patch(path, json={"merge_existing_data": False})).status == 204
    assert await stored() == {}
    other_type = await make_type(client, "Other", "other")
    other_schema = await _schema(client, other_type, {"title": "Other", "type": "object", "properties": {}})
    wrong = {"data": {"user": "x"}, "block_schema_id": other_schema["id"]}
    body = await _json(await client.patch(path, json=wrong), 400)
    assert body == {"detail": "Must migrate block document to a block schema of the same block type."}
    assert await stored() == {}
    assert (await client.patch(f"/api/block_documents/{uuid.uuid4()}", json={"data": {}})).status == 404
    assert (await client.delete(path)).status == 204
    assert (await client.delete(path)).status == 404


async def test_nested_documents_are_references_resolved_on_read(client) -> None:
    block_type, schema = await _creds(client)
    outer_type = await make_type(client, "Outer", "outer")
    outer_schema = await _schema(
        client,
        outer_type,
        {
            "title": "Outer",
            "type": "object",
            "properties": {"creds": {"$ref": "#/definitions/Creds"}, "label": {"type": "string"}},
            "block_type_slug": "outer",
            "block_schema_references": {},
        },
    )
    inner = await _document(client, block_type, schema, "inner", {"user": "me", "password": SECRET})
    ref = {"$ref": {"block_document_id": inner["id"]}}
    outer = await _document(client, outer_type, outer_schema, "outer", {"creds": ref, "label": "L"})
    assert outer["data"] == {"creds": {"user": "me", "password": OBFUSCATED}, "label": "L"}
    nested = outer["block_document_references"]["creds"]["block_document"]
    assert nested["id"] == inner["id"] and nested["name"] == "inner" and nested["is_anonymous"] is False
    assert nested["block_type"]["slug"] == "creds" and nested["block_document_references"] == {}
    outer_path = f"/api/block_documents/{outer['id']}"
    full = await _json(await client.get(outer_path, params={"include_secrets": "true"}))
    assert full["data"]["creds"]["password"] == SECRET
    # The nested document is stored once: changing it shows through its parent.
    inner_path = f"/api/block_documents/{inner['id']}"
    assert (await client.patch(inner_path, json={"data": {"user": "changed"}})).status == 204
    assert (await _json(await client.get(outer_path)))["data"]["creds"]["user"] == "changed"
    # A reference to a document that does not exist, or one without an id, changes nothing.
    bad = {"data": {"creds": {"$ref": {"block_document_id": str(uuid.uuid4())}}}}
    assert (await client.patch(outer_path, json=bad)).status == 404
    no_id = {"data": {"creds": {"$ref": {}}}}
    assert (await client.patch(outer_path, json=no_id)).status == 400
    # A cycle is refused.
    cycle = {"data": {"back": {"$ref": {"block_document_id": outer["id"]}}}}
    assert (await client.patch(inner_path, json=cycle)).status == 400
    assert (await _json(await client.get(outer_path)))["block_document_references"]["creds"]
    # Replacing the data without the reference drops it.
    plain = {"data": {"label": "M"}, "merge_existing_data": False}
    assert (await client.patch(outer_path, json=plain)).status == 204
    after = await _json(await client.get(outer_path))
    assert after["data"] == {"label": "M"} and after["block_document_references"] == {}
    # Deleting a nested document removes it from its parents.
    assert (await client.patch(outer_path, json={"data": {"creds": ref}})).status == 204
    assert (await client.delete(inner_path)).status == 204
    assert (await _json(await client.get(outer_path)))["block_document_references"] == {}


async def test_invalid_request_does_not_echo_or_log_secrets(client, caplog) -> None:
    """A 422 answers what was wrong; the reference echoes the request body, we must do no
    worse: the secret never appears in the response or in the logs."""
    block_type, schema = await _creds(client)
    caplog.set_level(logging.DEBUG)
    body = {
        "name": "Bad Name",
        "data": {"password": SECRET},
        "block_type_id": block_type["id"],
        "block_schema_id": schema["id"],
    }
    resp = await client.post("/api/block_documents/", json=body)
    assert resp.status == 422
    text = await resp.text()
    assert "Bad Name" in text
    assert SECRET not in text
    doc = await _document(client, block_type, schema, "ok", {"password": SECRET})
    resp = await client.patch(f"/api/block_documents/{doc['id']}", json={"data": {"password": SECRET}, "junk": 1})
    assert resp.status == 422 and SECRET not in await resp.text()
    malformed = ('{"name": "x", "data": {"password": "' + SECRET + '"}').encode()
    resp = await client.post("/api/block_documents/", data=malformed, headers={"Content-Type": "application/json"})
    assert resp.status == 422 and SECRET not in await resp.text()
    assert SECRET not in caplog.text


async def _events(client, prefix: str) -> list[dict]:
    await client.app[SERVICES].events.flush()
    body = {"filter": {"order": "ASC", "resource": {"id_prefix": [prefix]}}, "limit": 50}
    return (await _json(await client.post("/api/events/filter", json=body)))["events"]


async def test_lifecycle_events_carry_no_secret(client) -> None:
    block_type, schema = await _creds(client)
    doc = await _document(client, block_type, schema, "evented", {"user": "me", "password": SECRET})
    await _document(client, block_type, schema, None, {"password": SECRET}, is_anonymous=True)
    assert (await client.patch(f"/api/block_documents/{doc['id']}", json={"data": {"user": "you"}})).status == 204
    assert (await client.delete(f"/api/block_documents/{doc['id']}")).status == 204
    events = await _events(client, "prefect.block-document.")
    # The anonymous document is not announced.
    assert [e["event"] for e in events] == [
        "prefect.block-document.created",
        "prefect.block-document.updated",
        "prefect.block-document.deleted",
    ]
    assert SECRET not in str(events)
    assert events[1]["payload"]["data"] == {"user": "you"} and events[1]["payload"]["name"] == "evented"
    assert events[0]["resource"] == {
        "prefect.resource.id": f"prefect.block-document.{doc['id']}",
        "prefect.resource.name": "evented",
    }
    assert {r["prefect.resource.role"] for r in events[0]["related"]} == {"block-type", "block-schema"}
    assert (await client.patch(f"/api/block_types/{block_type['id']}", json={"description": "d"})).status == 204
    assert (await client.delete(f"/api/block_types/{block_type['id']}")).status == 204
    kinds = [e["event"] for e in await _events(client, f"prefect.block-type.{block_type['id']}")]
    assert kinds == ["prefect.block-type.created", "prefect.block-type.updated", "prefect.block-type.deleted"]


async def test_server_default_result_storage_names_a_writable_block(client) -> None:
    storage = "/api/admin/storage"
    fs_type = await _json(await client.get("/api/block_types/slug/local-file-system"))
    flt = {"block_schemas": {"block_type_id": {"any_": [fs_type["id"]]}}}
    fs_schema = (await _json(await client.post("/api/block_schemas/filter", json=flt)))[0]
    fs = await _document(client, fs_type, fs_schema, "results", {"basepath": "/tmp/results"})
    block_type, schema = await _creds(client)
    creds = await _document(client, block_type, schema, "creds", {"user": "u"})
    body = await _json(await client.put(storage, json={"default_result_storage_block_id": creds["id"]}), 422)
    assert body == {"detail": f"Block document {creds['id']} cannot be used for result storage."}
    assert await _json(await client.get(storage)) == {"default_result_storage_block_id": None}
    set_ = await _json(await client.put(storage, json={"default_result_storage_block_id": fs["id"]}))
    assert set_ == {"default_result_storage_block_id": fs["id"]}
    assert await _json(await client.put(storage, json={"default_result_storage_block_id": fs["id"]})) == set_
    assert await _json(await client.get(storage)) == set_
    assert (await client.delete(storage)).status == 204
    assert await _json(await client.get(storage)) == {"default_result_storage_block_id": None}
    # Deleting the named document clears the setting.
    await client.put(storage, json={"default_result_storage_block_id": fs["id"]})
    assert (await client.delete(f"/api/block_documents/{fs['id']}")).status == 204
    assert await _json(await client.get(storage)) == {"default_result_storage_block_id": None}
