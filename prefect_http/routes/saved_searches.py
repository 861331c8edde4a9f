"""/saved_searches"""

from __future__ import annotations

from aiohttp import web

from prefect_core.schemas.bodies.base import PagedBody
from prefect_core.schemas.saved_searches import SavedSearch, SavedSearchCreate
from prefect_http.jsonio import body_as, no_content, respond
from prefect_http.keys import SERVICES
from prefect_http.openapi import describe
from prefect_http.params import path_uuid

routes = web.RouteTableDef()

_TAGS = ("SavedSearches",)
_MISSING = {404: "Saved search not found"}


@routes.put("/api/saved_searches/")
@describe(body=SavedSearchCreate, response=SavedSearch, status=201, tags=_TAGS)
async def put_saved_search(request: web.Request) -> web.Response:
    body = await body_as(request, SavedSearchCreate)
    search, created = await request.app[SERVICES].saved_searches.put(body)
    # 201 for a new search, 200 for one whose filters were replaced (as the reference answers)
    return respond(search, status=201 if created else 200)


@routes.post("/api/saved_searches/filter")
@describe(body=PagedBody, response=list[SavedSearch], tags=_TAGS)
async def filter_saved_searches(request: web.Request) -> web.Response:
    body = await body_as(request, PagedBody, default={})
    return respond(await request.app[SERVICES].saved_searches.filter(body))


@routes.get("/api/saved_searches/{id}")
@describe(response=SavedSearch, tags=_TAGS, errors=_MISSING)
async def read_saved_search(request: web.Request) -> web.Response:
    return respond(await request.app[SERVICES].saved_searches.read(path_uuid(request)))


@routes.delete("/api/saved_searches/{id}")
@describe(status=204, tags=_TAGS, errors=_MISSING)
async def delete_saved_search(request: web.Request) -> web.Response:
    await request.app[SERVICES].saved_searches.delete(path_uuid(request))
    return no_content()
