"""Pure functions over block schema fields and block document data: checksums, secret
masking, document references and nested schema definitions. No I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from prefect_core.errors import BadRequest

#: What a secret reads as unless `include_secrets` is asked for (the client's own mask).
OBFUSCATED = "********"

_DEFINITION_PREFIX = "#/definitions/"


# --- checksums -------------------------------------------------------------------


def _without_key(value: Any, key: str) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: _without_key(v, key) for k, v in value.items() if k != key}


def _refs(value: Any) -> Iterator[Any]:
    """Every `$ref` value anywhere inside `value`, depth first."""
    if isinstance(value, dict):
        if "$ref" in value:
            yield value["$ref"]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def non_block_definitions(fields: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """The definitions `fields` reaches (transitively) that are not blocks themselves."""
    found: dict[str, Any] = {}
    pending = [fields]
    while pending:
        for ref in _refs(pending.pop()):
            if not isinstance(ref, str):
                continue
            key = ref.replace(_DEFINITION_PREFIX, "")
            definition = definitions.get(key)
            # An empty definition counts as none, as in the client.
            if isinstance(definition, dict) and definition and definition.get("block_type_slug") is None:
                if key in found:
                    continue
                found[key] = definition
                pending.append(definition)
    return found


def schema_checksum(fields: dict[str, Any]) -> str:
    """The checksum the client computes for a block schema's fields (so that a client
    reading a schema by the checksum it computed finds the one it created): sha256 of
    the sorted JSON of the fields without `secret_fields`, keeping only definitions
    that are not blocks."""
    hashed = _without_key(fields, "secret_fields")
    definitions = hashed.get("definitions")
    if definitions:
        kept = non_block_definitions(hashed, definitions)
        if kept:
            hashed["definitions"] = kept
        else:
            hashed.pop("definitions")
    text = json.dumps([[hashed], {}], sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def nested_schema_fields(
    fields: dict[str, Any], reference_name: str, block_type_slug: str, definitions: dict[str, Any]
) -> dict[str, Any] | None:
    """The fields of the nested block schema that `fields` refers to under `reference_name`
    (the definition of that block type's slug when the property is a union of blocks),
    carrying the definitions it reaches."""
    prop = fields.get("properties", {}).get(reference_name)
    keys = [ref.replace(_DEFINITION_PREFIX, "") for ref in _refs(prop) if isinstance(ref, str)]
    chosen: dict[str, Any] | None = None
    if len(keys) == 1:
        chosen = definitions.get(keys[0])
    else:
        for key in keys:
            definition = definitions.get(key)
            if isinstance(definition, dict) and definition.get("block_type_slug") == block_type_slug:
                chosen = definition
                break
    if not isinstance(chosen, dict):
        return None
    reached = _reached_definitions(chosen, definitions)
    return {**chosen, "definitions": reached} if reached else dict(chosen)


def _reached_definitions(fields: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pending = [fields]
    while pending:
        for ref in _refs(pending.pop()):
            key = ref.replace(_DEFINITION_PREFIX, "") if isinstance(ref, str) else None
            if key is not None and key not in found and isinstance(definitions.get(key), dict):
                found[key] = definitions[key]
                pending.append(definitions[key])
    return found


def schema_references(fields: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field name, block type slug, schema checksum) of every nested block schema."""
    out: list[tuple[str, str, str]] = []
    refs = fields.get("block_schema_references")
    if not isinstance(refs, dict):
        return out
    for name, value in refs.items():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and isinstance(entry.get("block_type_slug"), str):
                out.append((name, entry["block_type_slug"], str(entry.get("block_schema_checksum"))))
    return out


# --- secrets ---------------------------------------------------------------------

Path = tuple[str, ...]


def _flatten(data: dict[str, Any], parent: Path = ()) -> dict[Path, Any]:
    flat: dict[Path, Any] = {}
    for key, value in data.items():
        path = (*parent, key)
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat


def _unflatten(flat: dict[Path, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return out


def _secret_paths(fields: dict[str, Any]) -> list[Path]:
    return [tuple(str(item).split(".")) for item in fields.get("secret_fields", []) or []]


def _under_wildcard(secret: Path, path: Path) -> bool:
    star = secret.index("*")
    return path[:star] == secret[:star]


def obfuscate_secrets(data: dict[str, Any], schema_fields: dict[str, Any]) -> dict[str, Any]:
    """`data` with every value its schema's `secret_fields` name masked: a dotted path,
    or a path ending in `*` (every value beneath it, as in a SecretDict)."""
    secrets = _secret_paths(schema_fields)
    if not secrets:
        return data
    flat = _flatten(data)
    for secret in secrets:
        if flat.get(secret) is not None:
            flat[secret] = OBFUSCATED
        elif "*" in secret:
            for path in flat:
                if _under_wildcard(secret, path):
                    flat[path] = OBFUSCATED
    return _unflatten(flat)


def keep_unchanged_secrets(
    update: dict[str, Any], current: dict[str, Any], schema_fields: dict[str, Any]
) -> dict[str, Any]:
    """`update` with every secret sent back masked replaced by the stored value: a client
    that read a document without secrets and saves it whole must not overwrite them."""
    secrets = _secret_paths(schema_fields)
    if not secrets:
        return update
    flat_update, flat_current = _flatten(update), _flatten(current)
    for secret in secrets:
        stored = flat_current.get(secret)
        if stored is not None:
            if flat_update.get(secret) == OBFUSCATED:
                flat_update[secret] = stored
        elif "*" in secret:
            for path, value in flat_update.items():
                if _under_wildcard(secret, path) and value == OBFUSCATED and path in flat_current:
                    flat_update[path] = flat_current[path]
    return _unflatten(flat_update)


# --- document references ---------------------------------------------------------


def split_references(data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, UUID]]]:
    """Separate the top-level `{"$ref": {"block_document_id": ...}}` values (nested
    documents) from the rest of a document's data."""
    plain: dict[str, Any] = {}
    refs: list[tuple[str, UUID]] = []
    for key, value in data.items():
        if isinstance(value, dict) and "$ref" in value:
            target = value["$ref"].get("block_document_id") if isinstance(value["$ref"], dict) else None
            if target is None:
                raise BadRequest(f"Received block reference without a block_document_id in key {key}")
            try:
                refs.append((key, UUID(str(target))))
            except ValueError:
                raise BadRequest(f"Received block reference with an invalid block_document_id in key {key}") from None
        else:
            plain[key] = value
    return plain, refs
