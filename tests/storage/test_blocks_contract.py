"""System block registration on every backend: idempotent, and racing registrations
(several servers starting at once on one database) never fail or duplicate."""

from __future__ import annotations

import asyncio

import pytest

from prefect_core.plugins import make_plugin_manager, select_storage_backend
from prefect_core.services.system_blocks import SystemBlockService, system_blocks

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
