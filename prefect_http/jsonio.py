"""Fast JSON in and out, and request-body parsing into core schemas."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from prefect_core.schemas.bodies.base import EmbeddedBody

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
                # list[kind] of a model class known only at run time: no static spelling exists
                # (list[BaseModel] would serialise the base class's fields, i.e. none).
                adapter = _LIST_ADAPTERS[kind] = TypeAdapter(list[kind])  # type: ignore[valid-type]
            return adapter.dump_json(data)
    return orjson.dumps(data, default=_default)


_JSON_HEADERS = {"Content-Type": "application/json"}


def respond(data: Any, status: int = 200) -> web.Response:
    """A JSON response (pydantic models are serialised in JSON mode)."""
    return web.Response(body=dumps(data), status=status, headers=_JSON_HEADERS)


def respond_documents(data: Any, status: int = 200) -> web.Response:
    """A JSON response of JSON-ready documents (dicts of JSON values, UUIDs, enums and aware
    UTC datetimes, which come out as pydantic writes them: `...123456Z`)."""
    return web.Response(body=orjson.dumps(data, option=orjson.OPT_UTC_Z), status=status, headers=_JSON_HEADERS)


def no_content() -> web.Response:
    return web.Response(status=204)


class RequestValidationError(Exception):
    """The request did not match the endpoint's schema (answered 422 like the reference)."""

    def __init__(self, errors: list[dict[str, Any]], body: Any) -> None:
        super().__init__("Invalid request received.")
        self.errors = errors
        self.body = body


async def read_json(request: web.Request, *, default: Any = _EMPTY, allow_nul: bool = False) -> Any:
    """The request body as JSON; an empty body gives `default` (or a 422 when required).

    Values no backend could store or answer again are refused with a 422 (see
    `_screen`); `allow_nul` lets strings with NUL through, for a caller that
    cleans them itself.
    """
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
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", exc.pos],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ],
            raw.decode("utf-8", "replace"),
        ) from None
    problem = _screen(raw, data, allow_nul=allow_nul)
    if problem is not None:
        # Too deep to echo back as JSON: echo the text instead, as for malformed JSON.
        echo = raw.decode("utf-8", "replace") if problem["type"] == "json_invalid" else data
        raise RequestValidationError([problem], echo)
    return data


#: Limits every request body is held to, whatever the endpoint: past them a value
#: could be accepted but never stored or answered again. Serialisers stop at 255
#: levels of nesting (orjson, pydantic; half that leaves room for the envelopes
#: around a stored value), the databases' integers at 64 bits, and PostgreSQL
#: text and jsonb cannot hold NUL.
MAX_DEPTH = 128
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def _screen(raw: bytes, data: Any, *, allow_nul: bool) -> dict[str, Any] | None:
    """The first value of `data` past those limits, as a 422 error item, or None."""
    suspect = (
        raw.count(b"{") + raw.count(b"[") > MAX_DEPTH
        or (not allow_nul and b"\\u0000" in raw)
        or _LONG_DIGITS.search(raw) is not None
    )  # cheap byte scans, so that ordinary bodies are not walked
    if not suspect:
        return None
    stack: list[tuple[Any, list[Any]]] = [(data, ["body"])]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, str):
            if not allow_nul and "\x00" in value:
                return {
                    "type": "string_pattern_mismatch",
                    "loc": loc,
                    "input": value,
                    "msg": "String should not contain NUL characters (\\u0000)",
                }
        elif isinstance(value, int) and not isinstance(value, bool):
            if value > INT_MAX:
                return {
                    "type": "less_than_equal",
                    "loc": loc,
                    "input": value,
                    "ctx": {"le": INT_MAX},
                    "msg": f"Input should be less than or equal to {INT_MAX}",
                }
            if value < INT_MIN:
                return {
                    "type": "greater_than_equal",
                    "loc": loc,
                    "input": value,
                    "ctx": {"ge": INT_MIN},
                    "msg": f"Input should be greater than or equal to {INT_MIN}",
                }
        elif isinstance(value, (dict, list)):
            if len(loc) > MAX_DEPTH:
                return {
                    "type": "json_invalid",
                    "loc": ["body"],
                    "input": {},
                    "msg": f"JSON nested deeper than {MAX_DEPTH} levels",
                    "ctx": {"error": "too deeply nested"},
                }
            if isinstance(value, list):
                stack.extend((item, [*loc, i]) for i, item in enumerate(value))
                continue
            for key, item in value.items():
                if not allow_nul and "\x00" in key:
                    return {
                        "type": "string_pattern_mismatch",
                        "loc": [*loc, key],
                        "input": key,
                        "msg": "Keys should not contain NUL characters (\\u0000)",
                    }
                stack.append((item, [*loc, key]))
    return None


def _errors(exc: ValidationError, prefix: tuple[str, ...], *, embedded: bool = False) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors(include_url=False):
        # FastAPI validates embedded body parameters one by one: a missing one has no input.
        given = None if embedded and err["type"] == "missing" and len(err["loc"]) == 1 else err.get("input")
        item = {"type": err["type"], "loc": [*prefix, *err["loc"]], "msg": err["msg"], "input": given}
        if "ctx" in err:
            item["ctx"] = {k: str(v) if isinstance(v, Exception) else v for k, v in err["ctx"].items()}
        out.append(item)
    return out


def validate(
    model: type[M], data: Any, *, loc: tuple[str, ...] = ("body",), context: dict[str, Any] | None = None
) -> M:
    """Validate `data` as `model` (validators see `context`), raising a 422-shaped error on failure."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        errors = _errors(exc, loc, embedded=issubclass(model, EmbeddedBody))
        raise RequestValidationError(orjson.loads(orjson.dumps(errors, default=str)), data) from None


def validate_as(
    adapter: TypeAdapter[Any], data: Any, *, loc: tuple[str, ...] = ("body",), context: dict[str, Any] | None = None
) -> Any:
    try:
        return adapter.validate_python(data, context=context)
    except ValidationError as exc:
        raise RequestValidationError(orjson.loads(orjson.dumps(_errors(exc, loc), default=str)), data) from None


async def body_as(
    request: web.Request, model: type[M], *, default: Any = _EMPTY, context: dict[str, Any] | None = None
) -> M:
    """Parse the JSON body into `model` (422 on malformed JSON or schema mismatch); its
    validators see `context` (server settings a body is checked against)."""
    return validate(model, await read_json(request, default=default), context=context)


def embedded(data: Any, key: str) -> Any:
    """FastAPI-style embedded body parameter: `data[key]` (422 when missing)."""
    if not isinstance(data, dict) or key not in data:
        raise RequestValidationError(
            [{"type": "missing", "loc": ["body", key], "msg": "Field required", "input": None}], data
        )
    return data[key]
