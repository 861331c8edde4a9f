"""Artifact collections stay consistent under concurrent creates and deletes of one key, on
both backends: a key has a collection exactly while it has artifacts, and the collection
always names an artifact of that key that exists."""

from __future__ import annotations

import asyncio
import random

import pytest

from prefect_core.schemas.artifacts import ArtifactCreate
from prefect_core.schemas.bodies.artifacts import ArtifactQuery
from prefect_core.services.artifacts import ArtifactService

pytestmark = pytest.mark.timeout(120)


async def _check(service: ArtifactService, key: str) -> None:
    remaining = await service.filter(ArtifactQuery(artifacts={"key": {"any_": [key]}}))
    async with service.storage.read() as uow:
        collection = await uow.artifact_collections.get_by_key(key)
    if not remaining:
        assert collection is None
        return
    assert collection is not None, "a key with artifacts lost its collection"
    latest = {a.id: a for a in remaining}.get(collection.latest_id)
    assert latest is not None, "the collection names an artifact that is gone"
    assert (collection.data, collection.type) == (latest.data, latest.type)


async def test_concurrent_creates_and_deletes_keep_the_collection_consistent(storage) -> None:
    service = ArtifactService(storage)
    rng = random.Random(7)
    for round_ in range(6):
        key = f"race-{round_}"
        seed = [await service.create(ArtifactCreate(key=key, type="progress", data=i)) for i in range(3)]

        async def delete(artifact_id):  # type: ignore[no-untyped-def]
            try:
                await service.delete(artifact_id)
            except Exception as exc:  # a concurrent delete of the same artifact
                assert type(exc).__name__ == "NotFound"

        work = [service.create(ArtifactCreate(key=key, type="progress", data=10 + i)) for i in range(4)]
        work += [delete(a.id) for a in seed]
        work += [delete(seed[-1].id)]  # twice: one of them answers not found
        rng.shuffle(work)
        await asyncio.gather(*work)
        await _check(service, key)
        # then everything goes, concurrently: the collection goes with the last one
        left = await service.filter(ArtifactQuery(artifacts={"key": {"any_": [key]}}))
        await asyncio.gather(*(delete(a.id) for a in left))
        await _check(service, key)
        async with storage.read() as uow:
            assert await uow.artifact_collections.get_by_key(key) is None
