"""Artifact use cases, keeping each key's collection (its latest artifact) current."""

from __future__ import annotations

from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.events.artifact_events import artifact_collection_event
from prefect_core.events.concurrency_limit_events import LifecycleAction
from prefect_core.ports import Storage
from prefect_core.schemas.artifacts import Artifact, ArtifactCollection, ArtifactCreate, ArtifactUpdate
from prefect_core.schemas.bodies.artifacts import (
    ArtifactCollectionCount,
    ArtifactCollectionQuery,
    ArtifactCount,
    ArtifactQuery,
)
from prefect_core.services.events_sink import DiscardingSink, EventSink

_NOT_FOUND = "Artifact not found."


class ArtifactService:
    """Artifacts; a key's collection changing is announced as a `prefect.artifact-collection.*`
    event once committed (created for a new key, updated for a new latest artifact, deleted
    when its last artifact goes)."""

    def __init__(self, storage: Storage, events: EventSink | None = None) -> None:
        self.storage = storage
        self.events: EventSink = events or DiscardingSink()

    async def _announce(self, changes: list[tuple[LifecycleAction, ArtifactCollection]]) -> None:
        if changes:
            now = timeutil.now()
            await self.events.emit([artifact_collection_event(action, c, now) for action, c in changes])

    async def create(self, body: ArtifactCreate) -> Artifact:
        """Store a new artifact; one with a key becomes the latest of its key."""
        artifact = Artifact(**body.model_dump())
        changes: list[tuple[LifecycleAction, ArtifactCollection]] = []
        async with self.storage.write() as uow:
            stored = await uow.artifacts.insert(artifact)
            if stored.key is not None:
                collection, created = await uow.artifact_collections.put_latest(stored)
                changes.append(("created" if created else "updated", collection))
        await self._announce(changes)
        return stored

    async def read(self, artifact_id: UUID) -> Artifact:
        async with self.storage.read() as uow:
            artifact = await uow.artifacts.get(artifact_id)
        if artifact is None:
            raise NotFound(_NOT_FOUND)
        return artifact

    async def read_latest(self, key: str) -> ArtifactCollection:
        async with self.storage.read() as uow:
            collection = await uow.artifact_collections.get_by_key(key)
        if collection is None:
            raise NotFound(_NOT_FOUND)
        return collection

    async def update(self, artifact_id: UUID, body: ArtifactUpdate) -> None:
        """Replace the fields sent, in the artifact and, when it is the latest of its key,
        in its collection (a progress artifact is updated in place this way)."""
        values = body.model_dump(exclude_unset=True)
        async with self.storage.write() as uow:
            if not values:
                found = await uow.artifacts.get(artifact_id) is not None
            else:
                found = await uow.artifacts.update(artifact_id, values)
                found = await uow.artifact_collections.update_latest(artifact_id, values) or found
        if not found:
            raise NotFound(_NOT_FOUND)

    async def delete(self, artifact_id: UUID) -> None:
        """Delete an artifact. Deleting the latest of a key makes the newest remaining
        version the latest, or removes the collection when none remains."""
        changes: list[tuple[LifecycleAction, ArtifactCollection]] = []
        async with self.storage.write() as uow:
            artifact = await uow.artifacts.get(artifact_id)
            if artifact is None:
                raise NotFound(_NOT_FOUND)
            if artifact.key is not None:
                # Locked, so a concurrent create of the same key waits for this to finish.
                collection = await uow.artifact_collections.get_by_key(artifact.key, for_update=True)
                if collection is not None and collection.latest_id == artifact_id:
                    previous = await uow.artifacts.newest_with_key(artifact.key, excluding=artifact_id)
                    if previous is None:
                        await uow.artifact_collections.delete_by_key(artifact.key)
                        changes.append(("deleted", collection))
                    else:
                        await uow.artifact_collections.promote(artifact.key, previous)
                        promoted = await uow.artifact_collections.get_by_key(artifact.key)
                        assert promoted is not None
                        changes.append(("updated", promoted))
            await uow.artifacts.delete(artifact_id)
        await self._announce(changes)

    async def filter(self, query: ArtifactQuery) -> list[Artifact]:
        async with self.storage.read() as uow:
            return await uow.artifacts.filter(query, query.sort, query.offset, query.limit)

    async def count(self, body: ArtifactCount) -> int:
        async with self.storage.read() as uow:
            return await uow.artifacts.count(body)

    async def filter_latest(self, query: ArtifactCollectionQuery) -> list[ArtifactCollection]:
        async with self.storage.read() as uow:
            return await uow.artifact_collections.filter(query, query.sort, query.offset, query.limit)

    async def count_latest(self, body: ArtifactCollectionCount) -> int:
        async with self.storage.read() as uow:
            return await uow.artifact_collections.count(body)
