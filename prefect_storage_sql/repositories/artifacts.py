"""Artifacts and artifact collections."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.errors import StorageUnavailable
from prefect_core.ids import uuid7
from prefect_core.schemas.artifacts import Artifact, ArtifactCollection, ArtifactCollectionSort, ArtifactSort
from prefect_core.schemas.bodies.artifacts import ArtifactCollectionCount, ArtifactCount
from prefect_core.schemas.graph import GraphArtifact
from prefect_storage_sql import tables
from prefect_storage_sql.filters.artifacts import artifacts_matching
from prefect_storage_sql.repositories.base import SqlRepository, by_id, page, prebuilt

a, c = tables.artifact, tables.artifact_collection

#: The fields a collection copies from its latest artifact.
_COPIED = ("type", "description", "data", "metadata_", "flow_run_id", "task_run_id")


def _sorts(t: sa.Table) -> dict[str, tuple[sa.UnaryExpression[Any], ...]]:
    """The order of each sort (by its name: artifacts and collections sort alike)."""
    return {
        "CREATED_DESC": (t.c.created.desc(), t.c.id.desc()),
        "UPDATED_DESC": (t.c.updated.desc(), t.c.id.desc()),
        "ID_DESC": (t.c.id.desc(),),
        "KEY_DESC": (t.c.key.desc(), t.c.id.desc()),
        "KEY_ASC": (t.c.key.asc(), t.c.id.desc()),
    }


_ARTIFACT_SORTS, _COLLECTION_SORTS = _sorts(a), _sorts(c)


def _to_artifact(row: sa.Row[Any]) -> Artifact:
    return Artifact.model_validate(row._mapping)


def _to_collection(row: sa.Row[Any]) -> ArtifactCollection:
    return ArtifactCollection.model_validate(row._mapping)


class SqlArtifactRepository(SqlRepository):
    async def insert(self, artifact: Artifact) -> Artifact:
        now = timeutil.now()
        stored = artifact.model_copy(update={"created": now, "updated": now})
        stmt = prebuilt(("artifact", "insert"), lambda: sa.insert(a))
        await self.conn.execute(stmt, stored.model_dump(include=set(a.c.keys())))
        return stored

    async def get(self, artifact_id: UUID) -> Artifact | None:
        stmt = prebuilt(("artifact", "get"), lambda: sa.select(a).where(by_id(a)))
        row = (await self.conn.execute(stmt, {"_row_id": artifact_id})).first()
        return _to_artifact(row) if row else None

    async def update(self, artifact_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(a, artifact_id, values)

    async def delete(self, artifact_id: UUID) -> bool:
        return await self._delete_by_id(a, artifact_id)

    async def newest_with_key(self, key: str, *, excluding: UUID) -> Artifact | None:
        stmt = prebuilt(
            ("artifact", "newest_with_key"),
            lambda: (
                sa.select(a)
                .where(a.c.key == sa.bindparam("_key"), a.c.id != sa.bindparam("_excluding", type_=a.c.id.type))
                .order_by(a.c.created.desc(), a.c.id.desc())
                .limit(1)
            ),
        )
        row = (await self.conn.execute(stmt, {"_key": key, "_excluding": excluding})).first()
        return _to_artifact(row) if row else None

    async def filter(
        self, filters: ArtifactCount, sort: ArtifactSort, offset: int, limit: int | None
    ) -> list[Artifact]:
        stmt = sa.select(a).where(artifacts_matching(a, filters, self.support)).order_by(*_ARTIFACT_SORTS[sort.value])
        return [_to_artifact(row) for row in await self.conn.execute(page(stmt, offset, limit))]

    async def count(self, filters: ArtifactCount) -> int:
        stmt = sa.select(sa.func.count()).select_from(a).where(artifacts_matching(a, filters, self.support))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def of_flow_run(self, flow_run_id: UUID, limit: int) -> list[tuple[UUID | None, GraphArtifact]]:
        latest = sa.and_(c.c.key == a.c.key, c.c.latest_id == a.c.id)
        stmt = (
            sa.select(a.c.id, a.c.created, a.c.key, a.c.type, a.c.data, a.c.task_run_id, c.c.id.label("collection"))
            .select_from(a.outerjoin(c, latest))
            .where(a.c.flow_run_id == flow_run_id, a.c.type != "result")
            .order_by(a.c.created.asc(), a.c.id.asc())
            .limit(limit)
        )
        out = []
        for row in await self.conn.execute(stmt):
            item = GraphArtifact(
                id=row.id,
                created=row.created,
                key=row.key,
                type=row.type,
                # Only progress artifacts show their data on the graph, as in the reference.
                data=row.data if row.type == "progress" else None,
                is_latest=row.key is None or row.collection is not None,
            )
            out.append((row.task_run_id, item))
        return out


class SqlArtifactCollectionRepository(SqlRepository):
    async def put_latest(self, artifact: Artifact) -> tuple[ArtifactCollection, bool]:
        copied = {name: getattr(artifact, name) for name in _COPIED}
        now = timeutil.now()
        insert = prebuilt(
            ("artifact_collection", "insert", self.support.name),
            lambda: self.support.insert_ignoring_conflicts(c, ["key"]),
        )
        row = {"id": uuid7(), "created": now, "updated": now, "key": artifact.key, "latest_id": artifact.id}
        update = prebuilt(
            ("artifact_collection", "put_latest"), lambda: sa.update(c).where(c.c.key == sa.bindparam("_key"))
        )
        for _ in range(5):
            if (await self.conn.execute(insert, {**row, **copied})).rowcount > 0:
                created = True
                break
            # The key has a collection: this artifact is its latest now (its first `created` stays).
            changes = {"_key": artifact.key, "latest_id": artifact.id, "updated": now, **copied}
            if (await self.conn.execute(update, changes)).rowcount > 0:
                created = False
                break
            # A concurrent delete removed the collection between the two statements
            # (PostgreSQL, READ COMMITTED): insert it again.
        else:
            raise StorageUnavailable(f"the collection of artifact key {artifact.key!r} kept changing; retry")
        stored = await self.get_by_key(artifact.key or "")
        assert stored is not None
        return stored, created

    async def get_by_key(self, key: str, *, for_update: bool = False) -> ArtifactCollection | None:
        stmt = sa.select(c).where(c.c.key == key)
        if for_update:
            stmt = self.support.lock_for_update(stmt)
        row = (await self.conn.execute(stmt)).first()
        return _to_collection(row) if row else None

    async def update_latest(self, artifact_id: UUID, values: dict[str, Any]) -> bool:
        stmt = sa.update(c).where(c.c.latest_id == artifact_id).values(**values, updated=timeutil.now())
        return (await self.conn.execute(stmt)).rowcount > 0

    async def promote(self, key: str, artifact: Artifact) -> None:
        values = {name: getattr(artifact, name) for name in _COPIED}
        values.update(latest_id=artifact.id, created=artifact.created, updated=artifact.updated)
        await self.conn.execute(sa.update(c).where(c.c.key == key).values(**values))

    async def delete_by_key(self, key: str) -> bool:
        return (await self.conn.execute(sa.delete(c).where(c.c.key == key))).rowcount > 0

    async def filter(
        self, filters: ArtifactCollectionCount, sort: ArtifactCollectionSort, offset: int, limit: int | None
    ) -> list[ArtifactCollection]:
        stmt = sa.select(c).where(artifacts_matching(c, filters, self.support)).order_by(*_COLLECTION_SORTS[sort.value])
        return [_to_collection(row) for row in await self.conn.execute(page(stmt, offset, limit))]

    async def count(self, filters: ArtifactCollectionCount) -> int:
        stmt = sa.select(sa.func.count()).select_from(c).where(artifacts_matching(c, filters, self.support))
        return int((await self.conn.execute(stmt)).scalar_one())
