"""Block document data is sealed at rest: the stored row holds no secret, under the
configured key (PREFECT_SERVER_ENCRYPTION_KEY) or the one the server generated."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from prefect_core.errors import ConfigurationError
from prefect_core.settings import Settings
from prefect_http.keys import STORAGE
from prefect_storage_sql import tables
from tests.api.test_block_documents import SECRET, _creds, _document
from tests.api.test_block_types_schemas import _json


async def _stored(client) -> list[str]:
    async with client.app[STORAGE].read() as uow:
        return list((await uow.conn.execute(sa.select(tables.block_document.c.data))).scalars())


async def test_stored_data_is_sealed_with_a_generated_key(client) -> None:
    block_type, schema = await _creds(client)
    doc = await _document(client, block_type, schema, "sealed", {"user": "plain-user", "password": SECRET})
    (stored,) = await _stored(client)
    assert SECRET not in stored and "plain-user" not in stored
    async with client.app[STORAGE].read() as uow:
        key = (await uow.conn.execute(sa.select(tables.block_encryption_key.c.key))).scalar_one()
    assert Fernet(key.encode()).decrypt(stored.encode())
    full = await _json(await client.get(f"/api/block_documents/{doc['id']}", params={"include_secrets": "true"}))
    assert full["data"] == {"user": "plain-user", "password": SECRET}


async def test_a_configured_key_seals_the_data(settings, aiohttp_client) -> None:
    from prefect_http.app import create_app

    key = Fernet.generate_key().decode()
    client = await aiohttp_client(
        create_app(Settings.from_env({**dict(settings.environ), "PREFECT_SERVER_ENCRYPTION_KEY": key}))
    )
    block_type, schema = await _creds(client)
    await _document(client, block_type, schema, "sealed", {"password": SECRET})
    (stored,) = await _stored(client)
    assert b'"password"' in Fernet(key.encode()).decrypt(stored.encode())
    async with client.app[STORAGE].read() as uow:
        assert (
            await uow.conn.execute(sa.select(sa.func.count()).select_from(tables.block_encryption_key))
        ).scalar() == 0


def test_a_malformed_key_stops_the_start_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"PREFECT_SERVER_ENCRYPTION_KEY": "not-a-key"})
    assert "PREFECT_SERVER_ENCRYPTION_KEY" in str(caught.value) and "not-a-key" not in str(caught.value)
