"""System block registration on every backend: idempotent, and racing registrations
(several servers starting at once on one database) never fail or duplicate."""

from __future__ import annotations

import asyncio

import pytest

from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.schemas.blocks import BlockDocumentCreate, BlockSchemaCreate, BlockTypeCreate
from prefect_core.schemas.bodies.blocks import BlockDocumentFilterBody, BlockSchemaFilterBody
from prefect_core.services.block_documents import BlockDocumentService
from prefect_core.services.blocks import BlockSchemaService, BlockTypeService
from prefect_core.services.system_blocks import SystemBlockService, system_blocks
from tests.support.statements import counting_statements

pytestmark = pytest.mark.timeout(120)


async def _counts(storage) -> tuple[int, int, set[str]]:
    async with storage.read() as uow:
        types = await uow.block_types.filter(None, None, offset=0, limit=None)
        schemas = await uow.block_schemas.filter(None, offset=0, limit=None)
    return len(types), len(schemas), {t.slug for t in types if t.is_protected}


async def test_registration_is_idempotent(storage) -> None:
    service = SystemBlockService(storage)
    await service.register()
    first = await _counts(storage)
    assert first == (len(system_blocks()), len(system_blocks()), {"secret", "webhook", "local-file-system"})
    await service.register()
    assert await _counts(storage) == first


async def test_racing_registrations_never_fail(storage, settings, backend: str) -> None:
    if backend == "postgres":
        # Separate connection pools, as separate server processes would have.
        others = [select_storage_backend(make_plugin_manager(), settings).open() for _ in range(2)]
        opened = [await other.__aenter__() for other in others]
        try:
            await asyncio.gather(*(SystemBlockService(s).register() for s in [storage, *opened, storage]))
        finally:
            for other in others:
                await other.__aexit__(None, None, None)
    else:
        await asyncio.gather(*(SystemBlockService(storage).register() for _ in range(4)))
    count = len(system_blocks())
    assert await _counts(storage) == (count, count, {"secret", "webhook", "local-file-system"})


async def test_a_restart_costs_two_reads(storage) -> None:
    service = SystemBlockService(storage)
    await service.register()
    with counting_statements(storage) as log:
        await service.register()
    # (SQLite's BEGIN IMMEDIATE is sent as a statement: not a read or a write.)
    assert [kind for kind in log.kinds() if kind != "BEGIN"] == ["SELECT", "SELECT"]


async def _documents(storage, count: int, start: int = 0) -> None:
    types, schemas, documents = BlockTypeService(storage), BlockSchemaService(storage), BlockDocumentService(storage)
    await documents.prepare()
    block_type = await types.read_by_slug("secret")
    (schema,) = await schemas.filter(
        BlockSchemaFilterBody.model_validate({"block_schemas": {"block_type_id": {"any_": [block_type.id]}}})
    )
    outer = (
        await types.create(BlockTypeCreate(name="Outer", slug="outer"))
        if start == 0
        else await types.read_by_slug("outer")
    )
    outer_schema, _ = await schemas.create(
        BlockSchemaCreate(fields={"title": "Outer", "properties": {}}, block_type_id=outer.id)
    )
    for i in range(start, start + count):
        inner = await documents.create(
            BlockDocumentCreate(
                name=f"s{i}", data={"value": "x"}, block_schema_id=schema.id, block_type_id=block_type.id
            )
        )
        ref = {"$ref": {"block_document_id": str(inner.id)}}
        await documents.create(
            BlockDocumentCreate(
                name=f"o{i}", data={"inner": ref}, block_schema_id=outer_schema.id, block_type_id=outer.id
            )
        )


async def test_listing_documents_costs_the_same_for_few_and_many(storage) -> None:
    await SystemBlockService(storage).register()
    documents = BlockDocumentService(storage)

    async def listing() -> tuple[int, int]:
        with counting_statements(storage) as log:
            found = await documents.filter(BlockDocumentFilterBody())
        # (On PostgreSQL the read engine is an options view of the write engine, so the
        # counting helper, listening on both, hears each read twice.)
        sent = [text for i, text in enumerate(log.statements) if i == 0 or text != log.statements[i - 1]]
        return len(found), len(sent)

    await _documents(storage, 2)
    await listing()  # the first one also reads the sealing key
    few, few_statements = await listing()
    await _documents(storage, 20, start=2)
    many, many_statements = await listing()
    assert (few, many) == (4, 44)
    assert many_statements == few_statements <= 5
