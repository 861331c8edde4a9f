"""Validating values against the JSON schemas Prefect stores, as the reference server does.

One validator serves every place the reference validates: a deployment's parameters
against its `parameter_openapi_schema`, job variables against a work pool's base job
template, a paused run's input against the schema it waits for, and `/ui/schemas/validate`.

Prefect's schemas follow conventions of their own, handled here:

- they are written by pydantic (often in its v1 form): an optional property's schema says
  only its type, so a property that is neither required nor defaulted also accepts `null`,
  and tuples written as a list of `items` become `prefixItems` (JSON Schema 2020-12);
- reused models sit under `definitions` (or `$defs`) and are reached with local `$ref`s;
  nothing is ever fetched over the network (an unknown reference is a validation failure);
- a definition naming a `block_type_slug` also accepts a reference to a stored block
  document (`{"$ref": "<uuid>"}` or `{"$ref": {"block_document_id": "<uuid>"}}`);
- unknown keywords such as `position` (the order of a form's fields) are ignored.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # imported when a schema is first checked: most servers rarely do (~2 MiB)
    import referencing
    from jsonschema.exceptions import ValidationError as _JsonSchemaError

__all__ = [
    "CircularSchemaReference",
    "InvalidSchema",
    "SchemaValidationFailed",
    "add_to_report",
    "check_schema",
    "ensure_valid",
    "error_report",
    "find_errors",
    "first_error",
    "preprocess",
    "without_required",
]

#: The reference's message for a schema whose `$ref`s loop forever.
CIRCULAR_MESSAGE = "Invalid schema: Unable to validate schema with circular references."


class SchemaValidationFailed(Exception):
    """Values do not satisfy a schema; the message is the reference's
    ("Validation failed for field 'x'. Failure reason: ...")."""

    def __init__(self, message: str, error: _JsonSchemaError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error = error


class InvalidSchema(Exception):
    """The schema itself is not a valid JSON schema ("Invalid schema: ...")."""


class CircularSchemaReference(Exception):
    """The schema's references loop, so no value can be checked against it."""


def _registry() -> referencing.Registry[Any]:
    # An explicit, empty registry: local references resolve, remote ones fail without fetching.
    import referencing

    return referencing.Registry()


# --- schema preparation -------------------------------------------------------


def _accept_null(name: str, prop: dict[str, Any], required: list[str], allow_none_with_default: bool) -> None:
    typed = "type" in prop and prop.get("type") != "null"
    if name not in required and typed and ("default" not in prop or allow_none_with_default):
        prop["anyOf"] = [{"type": prop.pop("type")}, {"type": "null"}]


def _tuple_items(prop: dict[str, Any]) -> None:
    items = prop.get("items")
    if items and isinstance(items, list) and not prop.get("prefixItems"):
        prop["prefixItems"] = prop.pop("items")


def _fix_properties(properties: dict[str, Any], required: list[str], allow_none_with_default: bool) -> None:
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        _accept_null(name, prop, required, allow_none_with_default)
        _tuple_items(prop)
        if isinstance(prop.get("properties"), dict):
            _fix_properties(prop["properties"], prop.get("required", []), allow_none_with_default)


def _block_reference_alternative(definition: dict[str, Any]) -> dict[str, Any]:
    """A block definition, or a reference to a stored document of that block."""
    reference = {
        "type": "object",
        "properties": {
            "$ref": {
                "oneOf": [
                    {"type": "string", "format": "uuid"},
                    {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1},
                ]
            }
        },
        "required": ["$ref"],
    }
    return {"oneOf": [definition, reference]}


def preprocess(schema: dict[str, Any], allow_none_with_default: bool = False) -> dict[str, Any]:
    """A copy of `schema` fixed up for JSON Schema 2020-12 as the reference does (see the module)."""
    schema = copy.deepcopy(schema)
    if isinstance(schema.get("properties"), dict):
        _fix_properties(schema["properties"], schema.get("required", []), allow_none_with_default)
    definitions = schema.get("definitions")
    if isinstance(definitions, dict):
        for definition in list(definitions.values()):
            if not isinstance(definition, dict):
                continue
            if isinstance(definition.get("properties"), dict):
                _fix_properties(definition["properties"], definition.get("required", []), allow_none_with_default)
            if "block_type_slug" in definition and "title" in definition:
                definitions[definition["title"]] = _block_reference_alternative(definition)
    return schema


def without_required(schema: Any) -> Any:
    """`schema` with every `required` key removed from its (nested) objects, for partial values."""
    if not isinstance(schema, dict):
        return schema
    return {key: without_required(value) for key, value in schema.items() if key != "required"}


def check_schema(schema: dict[str, Any]) -> None:
    """Raise `InvalidSchema` ("Invalid schema: <why>") unless `schema` is valid JSON Schema 2020-12."""
    import jsonschema
    from jsonschema.validators import Draft202012Validator

    try:
        Draft202012Validator.check_schema(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    except jsonschema.SchemaError as exc:
        raise InvalidSchema(f"Invalid schema: {exc.message}") from exc


# --- validation ---------------------------------------------------------------


def _prepared(
    schema: dict[str, Any], *, prepare: bool, ignore_required: bool, allow_none_with_default: bool
) -> dict[str, Any]:
    if prepare:
        schema = preprocess(schema, allow_none_with_default)
    if ignore_required:
        schema = cast(dict[str, Any], without_required(schema))
    return schema


def find_errors(
    values: Any,
    schema: dict[str, Any],
    *,
    prepare: bool = True,
    ignore_required: bool = False,
    allow_none_with_default: bool = False,
    check_formats: bool = True,
) -> list[_JsonSchemaError]:
    """Every way `values` fails `schema` (empty when valid). `check_formats` also checks
    `format`s (uuid, date-time, ...), which the reference checks when it lists errors
    but not when it stops at the first one.

    Raises `CircularSchemaReference` for looping references and `SchemaValidationFailed`
    for a reference that cannot be resolved.
    """
    import referencing.exceptions
    from jsonschema.validators import Draft202012Validator

    schema = _prepared(
        schema, prepare=prepare, ignore_required=ignore_required, allow_none_with_default=allow_none_with_default
    )
    checker = Draft202012Validator.FORMAT_CHECKER if check_formats else None
    validator = Draft202012Validator(schema, format_checker=checker, registry=_registry())
    try:
        return list(validator.iter_errors(values))
    except RecursionError as exc:
        raise CircularSchemaReference(CIRCULAR_MESSAGE) from exc
    except referencing.exceptions.Unresolvable as exc:
        raise SchemaValidationFailed(f"Validation failed. Failure reason: {exc}") from exc


def first_error(errors: Iterable[_JsonSchemaError]) -> _JsonSchemaError | None:
    """The error jsonschema itself would report first (its "best match")."""
    import jsonschema.exceptions

    return jsonschema.exceptions.best_match(errors)


def describe(error: _JsonSchemaError) -> str:
    """The reference's sentence for one failure."""
    path = error.json_path
    where = "Validation failed." if path == "$" else f"Validation failed for field {path.replace('$.', '')!r}."
    return f"{where} Failure reason: {error.message}"


def ensure_valid(
    values: Any,
    schema: dict[str, Any],
    *,
    prepare: bool = True,
    ignore_required: bool = False,
    allow_none_with_default: bool = False,
) -> None:
    """Raise `SchemaValidationFailed` with the reference's message unless `values` satisfy `schema`.

    A schema that is itself invalid raises `InvalidSchema`.
    """
    prepared = _prepared(
        schema, prepare=prepare, ignore_required=ignore_required, allow_none_with_default=allow_none_with_default
    )
    check_schema(prepared)
    error = first_error(find_errors(values, prepared, prepare=False, check_formats=False))
    if error is not None:
        raise SchemaValidationFailed(describe(error), error)


# --- the UI's error report ----------------------------------------------------


def _entry(entries: list[Any], key: str, part: Any) -> list[Any]:
    for entry in entries:
        if isinstance(entry, dict) and entry.get(key) == part:
            return cast(list[Any], entry["errors"])
    created: dict[str, Any] = {key: part, "errors": []}
    entries.append(created)
    return cast(list[Any], created["errors"])


def add_to_report(report: dict[str, Any], path: Sequence[str | int], message: str) -> None:
    """Add `message` at `path` (property names and list indexes) to an `error_report`."""
    if not path:
        report["errors"].append(message)
        return
    current = cast(list[Any], report["errors"])
    for depth, part in enumerate(path):
        key = "index" if isinstance(part, int) else "property"
        if depth == len(path) - 1:
            current.append({key: part, "errors": [message]})
        else:
            current = _entry(current, key, part)


def error_report(errors: Iterable[_JsonSchemaError]) -> dict[str, Any]:
    """The reference's `SchemaValuesValidationResponse`: errors nested by property name
    (`{"property": ..., "errors": [...]}`) and list index (`{"index": ..., "errors": [...]}`),
    plain messages at the root, and `valid`. A missing required property is reported on
    the property itself."""
    report: dict[str, Any] = {"errors": []}
    for error in errors:
        path = list(error.relative_path)
        if error.validator == "required":
            path.append(error.message.partition(" ")[0].strip("'"))
        add_to_report(report, path, error.message)
    report["valid"] = not report["errors"]
    return report
