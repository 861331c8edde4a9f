async def test_health_and_versions(client) -> None:
    assert await (await client.get("/api/health")).json() is True
    resp = await client.get("/api/admin/version")
    assert resp.status == 200 and (await resp.json()).startswith("3.")
    assert resp.headers["x-prefect-api-version"] == "0.8.4"
    assert (await (await client.get("/api/ready")).json()) == {"message": "OK"}
    assert (await client.get("/api/hello")).status == 200


async def test_csrf_token_disabled_like_the_reference(client) -> None:
    resp = await client.get("/api/csrf-token", params={"client": "abc"})
    assert resp.status == 422
    assert await resp.json() == {"detail": "CSRF protection is disabled."}


async def test_admin_storage(client) -> None:
    resp = await client.get("/api/admin/storage")
    assert await resp.json() == {"default_result_storage_block_id": None}


async def test_unknown_path_is_json_404(client) -> None:
    resp = await client.get("/api/nope")
    assert resp.status == 404 and await resp.json() == {"detail": "Not Found"}


async def test_request_body_limit_gives_413_and_stores_nothing(settings, aiohttp_client) -> None:
    from prefect_http.app import create_app

    client = await aiohttp_client(create_app(settings.model_copy(update={"max_request_body_bytes": 1024})))
    resp = await client.post("/api/flows/", json={"name": "x" * 2000})
    assert resp.status == 413
    assert await resp.json() == {"detail": "Request Entity Too Large"}
    assert await (await client.post("/api/flows/count", json={})).json() == 0


async def test_admin_storage_has_no_block_to_point_at(client) -> None:
    import uuid

    block = str(uuid.uuid4())
    resp = await client.put("/api/admin/storage", json={"default_result_storage_block_id": block})
    assert resp.status == 404 and await resp.json() == {"detail": f"Block document {block} not found."}
    assert (await client.put("/api/admin/storage", json={"default_result_storage_block_id": "x"})).status == 422
    assert (await client.delete("/api/admin/storage")).status == 204
    assert await (await client.get("/api/admin/storage")).json() == {"default_result_storage_block_id": None}
