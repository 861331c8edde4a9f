"""The OpenAPI 3.1 document, generated from the application's route table.

Every REST route under `/api` is an operation (websockets, under `prefect_http.ws`,
are not: OpenAPI cannot describe them). Paths are given relative to the one server
entry `/api`, as the reference's document does. Request and response schemas come
from the handlers' `@describe` declarations through pydantic, all in one pass so
that models sharing a name get distinct component names.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from prefect_core import API_VERSION
from prefect_http.openapi.describe import HIDDEN, Operation, declared

API_PREFIX = "/api"
TITLE = "Prefect REST API"
REF_TEMPLATE = "#/components/schemas/{model}"
_WEBSOCKET_MODULES = "prefect_http.ws."
_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
#: Path parameters holding ids are UUIDs (a malformed one is a 404, as in the reference).
_UUID_PARAMETER = re.compile(r"^(id|.+_id)$")
_UPPER_WORDS = {"ui": "UI", "csrf": "CSRF", "api": "API"}

#: The body of every 422 this server sends (prefect_http/errors.py).
_VALIDATION_SCHEMAS: dict[str, Any] = {
    "ValidationErrorItem": {
        "title": "ValidationErrorItem",
        "type": "object",
        "properties": {
            "loc": {
                "title": "Location",
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": {"title": "Message", "type": "string"},
            "type": {"title": "Error Type", "type": "string"},
            "input": {"title": "Input"},
            "ctx": {"title": "Context", "type": "object"},
        },
        "required": ["loc", "msg", "type"],
    },
    "RequestValidationError": {
        "title": "RequestValidationError",
        "type": "object",
        "properties": {
            "exception_message": {"title": "Exception Message", "type": "string"},
            "exception_detail": {
                "title": "Exception Detail",
                "type": "array",
                "items": {"$ref": "#/components/schemas/ValidationErrorItem"},
            },
            "request_body": {"title": "Request Body"},
        },
        "required": ["exception_message", "exception_detail"],
    },
    "ErrorDetail": {
        "title": "ErrorDetail",
        "type": "object",
        "properties": {"detail": {"title": "Detail"}},
        "required": ["detail"],
    },
}


def _words(name: str) -> str:
    return " ".join(_UPPER_WORDS.get(word, word.capitalize()) for word in re.split(r"[_\-\s]+", name) if word)


def _tag(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return _words(first) if first else "Root"


def _is_websocket(handler: Any) -> bool:
    return getattr(handler, "__module__", "").startswith(_WEBSOCKET_MODULES)


def _api_routes(router: web.UrlDispatcher) -> list[tuple[str, str, Any]]:
    """(path below /api, method, handler) of every REST operation, in registration order."""
    found: list[tuple[str, str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for route in router.routes():
        resource = route.resource
        if resource is None or route.method in ("HEAD", "OPTIONS", "*"):
            continue
        canonical = resource.canonical
        if not (canonical == API_PREFIX or canonical.startswith(API_PREFIX + "/")):
            continue
        if _is_websocket(route.handler) or declared(route.handler) is HIDDEN:
            continue
        path = _PARAMETER.sub(lambda m: "{" + m.group(1) + "}", canonical[len(API_PREFIX) :]) or "/"
        if (path, route.method) in seen:
            continue
        seen.add((path, route.method))
        found.append((path, route.method, route.handler))
    return found


def _body_required(body: Any) -> bool:
    if isinstance(body, type) and issubclass(body, BaseModel):
        return any(field.is_required() for field in body.model_fields.values())
    return True


def _path_parameters(path: str) -> list[dict[str, Any]]:
    parameters = []
    for name in _PARAMETER.findall(path):
        schema: dict[str, Any] = {"type": "string", "title": _words(name)}
        if _UUID_PARAMETER.match(name):
            schema["format"] = "uuid"
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def build_document(router: web.UrlDispatcher) -> dict[str, Any]:
    """The OpenAPI document of every REST operation `router` serves."""
    routes = _api_routes(router)
    # Collect every declared type, then have pydantic describe them all at once.
    inputs: list[tuple[Any, Any, TypeAdapter[Any]]] = []
    for index, (_, _, handler) in enumerate(routes):
        op = declared(handler)
        if op is None:
            continue
        if op.body is not None:
            inputs.append(((index, "body"), "validation", TypeAdapter(op.body)))
        if op.query is not None:
            inputs.append(((index, "query"), "validation", TypeAdapter(op.query)))
        if op.response is not None:
            inputs.append(((index, "response"), "serialization", TypeAdapter(op.response)))
    by_key, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF_TEMPLATE) if inputs else ({}, {})
    schemas: dict[tuple[int, str], Any] = {k[0]: v for k, v in by_key.items()}
    components = dict(definitions.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = {}
    for index, (path, method, handler) in enumerate(routes):
        op = declared(handler) or Operation()
        doc = inspect.getdoc(handler) or ""
        operation: dict[str, Any] = {
            "tags": list(op.tags) or [_tag(path)],
            "summary": op.summary or _words(handler.__name__),
            "operationId": f"{handler.__name__}{re.sub(r'[^A-Za-z0-9]', '_', path)}_{method.lower()}",
        }
        if doc:
            operation["description"] = doc
        parameters = _path_parameters(path)
        if op.query is not None:
            query_schema = schemas[(index, "query")]
            if "$ref" in query_schema:
                query_schema = components[query_schema["$ref"].rsplit("/", 1)[1]]
            parameters += _query_parameters(query_schema)
        if parameters:
            operation["parameters"] = parameters
        if op.body is not None:
            operation["requestBody"] = {"required": _body_required(op.body), "content": _json(schemas[(index, "body")])}
        success: dict[str, Any] = {"description": "Successful Response"}
        if op.status != 204:
            success["content"] = _json(schemas.get((index, "response"), {}))
        responses: dict[str, Any] = {str(op.status): success}
        for status, description in sorted(op.errors.items()):
            responses[str(status)] = {
                "description": description,
                "content": _json({"$ref": REF_TEMPLATE.format(model="ErrorDetail")}),
            }
        if parameters or op.body is not None:
            responses["422"] = {
                "description": "Validation Error",
                "content": _json({"$ref": REF_TEMPLATE.format(model="RequestValidationError")}),
            }
        operation["responses"] = responses
        if op.deprecated:
            operation["deprecated"] = True
        paths.setdefault(path, {})[method.lower()] = operation

    for name, schema in _VALIDATION_SCHEMAS.items():
        components.setdefault(name, schema)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": API_VERSION},
        "servers": [{"url": API_PREFIX}],
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items()))},
    }
