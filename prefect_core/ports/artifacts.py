"""Artifacts and artifact collections."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from prefect_core.schemas.artifacts import Artifact, ArtifactCollection, ArtifactCollectionSort, ArtifactSort
from prefect_core.schemas.bodies.artifacts import ArtifactCollectionCount, ArtifactCount
from prefect_core.schemas.graph import GraphArtifact


class ArtifactRepository(Protocol):
    """Every version of every artifact."""

    async def insert(self, artifact: Artifact) -> Artifact:
        """Store `artifact` (stamped now); return it as stored."""
        ...

    async def get(self, artifact_id: UUID) -> Artifact | None: ...
    async def update(self, artifact_id: UUID, values: dict[str, Any]) -> bool:
        """Apply `values` (and a new `updated` stamp); False if there is no such artifact."""
        ...

    async def delete(self, artifact_id: UUID) -> bool: ...
    async def newest_with_key(self, key: str, *, excluding: UUID) -> Artifact | None:
        """The most recently created artifact of `key` other than `excluding`."""
        ...

    async def filter(
        self, filters: ArtifactCount, sort: ArtifactSort, offset: int, limit: int | None
    ) -> list[Artifact]:
        """Artifacts matching `filters` (its artifact filter and the joined run filters)."""
        ...

    async def count(self, filters: ArtifactCount) -> int: ...
    async def of_flow_run(self, flow_run_id: UUID, limit: int) -> list[tuple[UUID | None, GraphArtifact]]:
        """The flow run's artifacts for its graph, oldest first, `result` ones left out: each
        with its task run id (None: the flow run's own) and whether it is its key's latest."""
        ...


class ArtifactCollectionRepository(Protocol):
    """One row per artifact key: a copy of its latest artifact. Unique by key."""

    async def put_latest(self, artifact: Artifact) -> tuple[ArtifactCollection, bool]:
        """Make `artifact` (which has a key) the latest of its key, creating the collection
        if new; the collection as stored, and whether it is new."""
        ...

    async def get_by_key(self, key: str, *, for_update: bool = False) -> ArtifactCollection | None: ...
    async def update_latest(self, artifact_id: UUID, values: dict[str, Any]) -> bool:
        """Apply `values` to the collection whose latest artifact is `artifact_id`; False if none is."""
        ...

    async def promote(self, key: str, artifact: Artifact) -> None:
        """Make `artifact`, an older version, the latest of `key` again (its stamps included)."""
        ...

    async def delete_by_key(self, key: str) -> bool: ...
    async def filter(
        self, filters: ArtifactCollectionCount, sort: ArtifactCollectionSort, offset: int, limit: int | None
    ) -> list[ArtifactCollection]: ...
    async def count(self, filters: ArtifactCollectionCount) -> int: ...
