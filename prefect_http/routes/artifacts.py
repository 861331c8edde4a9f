"""/artifacts, and the artifact collections under /artifacts/latest and /artifacts/{key}/latest"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.artifacts import Artifact, ArtifactCollection, ArtifactCreate, ArtifactUpdate
from prefect_core.schemas.bodies.artifacts import (
    ArtifactCollectionCount,
    ArtifactCollectionQuery,
    ArtifactCount,
    ArtifactQuery,
)
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid

routes = web.RouteTableDef()

_TAGS = ("Artifacts",)
_MISSING = {404: "Artifact not found."}


@routes.post("/api/artifacts/")
@describe(body=ArtifactCreate, response=Artifact, status=201, tags=_TAGS)
async def create_artifact(request: web.Request) -> web.Response:
    body = await body_as(request, ArtifactCreate)
    return respond(await request.app[SERVICES].artifacts.create(body), status=201)


@routes.post("/api/artifacts/filter")
@describe(body=ArtifactQuery, response=list[Artifact], tags=_TAGS)
async def filter_artifacts(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].artifacts.filter(await body_as(request, ArtifactQuery, default={})))


@routes.post("/api/artifacts/count")
@describe(body=ArtifactCount, response=int, tags=_TAGS)
async def count_artifacts(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].artifacts.count(await body_as(request, ArtifactCount, default={})))


@routes.post("/api/artifacts/latest/filter")
@describe(body=ArtifactCollectionQuery, response=list[ArtifactCollection], tags=_TAGS)
async def filter_latest_artifacts(request: web.Request) -> web.Response:
    query = await body_as(request, ArtifactCollectionQuery, default={})
    return respond(await request.app[SERVICES].artifacts.filter_latest(query))


@routes.post("/api/artifacts/latest/count")
@describe(body=ArtifactCollectionCount, response=int, tags=_TAGS)
async def count_latest_artifacts(request: web.Request) -> web.Response:
    body = await body_as(request, ArtifactCollectionCount, default={})
    return respond(await request.app[SERVICES].artifacts.count_latest(body))


@routes.get("/api/artifacts/{key}/latest")
@describe(response=ArtifactCollection, tags=_TAGS, errors=_MISSING)
async def read_latest_artifact(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].artifacts.read_latest(request.match_info["key"]))


@routes.get("/api/artifacts/{id}")
@describe(response=Artifact, tags=_TAGS, errors=_MISSING)
async def read_artifact(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].artifacts.read(path_uuid(request)))


@routes.patch("/api/artifacts/{id}")
@describe(body=ArtifactUpdate, status=204, tags=_TAGS, errors=_MISSING)
async def update_artifact(request: web.Request) -> web.Response:
    artifact_id = path_uuid(request)
    await request.app[SERVICES].artifacts.update(artifact_id, await body_as(request, ArtifactUpdate))
    return no_content()


@routes.delete("/api/artifacts/{id}")
@describe(status=204, tags=_TAGS, errors=_MISSING)
async def delete_artifact(request: web.Request) -> web.Response:
    await request.app[SERVICES].artifacts.delete(path_uuid(request))
    return no_content()
