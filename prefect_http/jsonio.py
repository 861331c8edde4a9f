"""Fast JSON in and out, and request-body parsing into core schemas."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

M = TypeVar("M", bound=BaseModel)

_EMPTY = object()


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


_LIST_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def dumps(data: Any) -> bytes:
    """JSON bytes; models and lists of one model type are serialised in one pydantic call."""
    if isinstance(data, BaseModel):
        return data.__pydantic_serializer__.to_json(data)
    if isinstance(data, list) and data and isinstance(data[0], BaseModel):
        kind = type(data[0])
        if all(type(item) is kind for item in data):
            adapter = _LIST_ADAPTERS.get(kind)
            if adapter is None:
                adapter = _LIST_ADAPTERS[kind] = TypeAdapter(list[kind])  # type: ignore[valid-type]
            return adapter.dump_json(data)
    return orjson.dumps(data, default=_default)


def respond(data: Any, status: int = 200) -> web.Response:
    """A JSON response (pydantic models are serialised in JSON mode)."""
    return web.Response(body=dumps(data), status=status, content_type="application/json")


def no_content() -> web.Response:
    return web.Response(status=204)


class RequestValidationError(Exception):
    """The request did not match the endpoint's schema (answered 422 like the reference)."""

    def __init__(self, errors: list[dict[str, Any]], body: Any) -> None:
        super().__init__("Invalid request received.")
        self.errors = errors
        self.body = body


async def read_json(request: web.Request, *, default: Any = _EMPTY) -> Any:
    """The request body as JSON; an empty body gives `default` (or a 422 when required)."""
    raw = await request.read()
    if not raw.strip():
        if default is not _EMPTY:
            return default
        raise RequestValidationError(
            [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}], None
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body", exc.pos], "msg": "JSON decode error",
              "input": {}, "ctx": {"error": exc.msg}}],
            raw.decode("utf-8", "replace"),
        ) from None
    if _too_deep(raw, data):
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body"], "msg": f"JSON nested deeper than {MAX_DEPTH} levels",
              "input": {}, "ctx": {"error": "too deeply nested"}}],
            raw.decode("utf-8", "replace"),
        )
    return data


#: Deepest JSON document accepted in a request. Serialisers stop at 255 levels
#: (orjson, pydantic): a stored value that deep could never be answered again,
#: nor could a 422 echoing it. Half that leaves room for the envelopes around it.
MAX_DEPTH = 128


def _too_deep(raw: bytes, data: Any) -> bool:
    """Whether `data` nests containers more than MAX_DEPTH levels deep."""
    if raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH:
        return False  # cheap: too few brackets to be that deep
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return False


def _errors(exc: ValidationError, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors(include_url=False):
        item = {"type": err["type"], "loc": [*prefix, *err["loc"]], "msg": err["msg"], "input": err.get("input")}
        if "ctx" in err:
            item["ctx"] = {k: str(v) if isinstance(v, Exception) else v for k, v in err["ctx"].items()}
        out.append(item)
    return out


def validate(model: type[M], data: Any, *, loc: tuple[str, ...] = ("body",)) -> M:
    """Validate `data` as `model`, raising a 422-shaped error on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(orjson.loads(orjson.dumps(_errors(exc, loc), default=str)), data) from None


def validate_as(adapter: TypeAdapter[Any], data: Any, *, loc: tuple[str, ...] = ("body",)) -> Any:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise RequestValidationError(orjson.loads(orjson.dumps(_errors(exc, loc), default=str)), data) from None


async def body_as(request: web.Request, model: type[M], *, default: Any = _EMPTY) -> M:
    """Parse the JSON body into `model` (422 on malformed JSON or schema mismatch)."""
    return validate(model, await read_json(request, default=default))


def embedded(data: Any, key: str) -> Any:
    """FastAPI-style embedded body parameter: `data[key]` (422 when missing)."""
    if not isinstance(data, dict) or key not in data:
        raise RequestValidationError(
            [{"type": "missing", "loc": ["body", key], "msg": "Field required", "input": data}], data
        )
    return data[key]
