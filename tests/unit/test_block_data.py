"""Block schema checksums (the client's), secret masking and document references,
and the shipped system block data (what the pinned client's classes say)."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path
from typing import Any

import pytest
from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from pydantic import SecretStr

from prefect_core.errors import BadRequest
from prefect_core.services.block_data import (
    OBFUSCATED,
    keep_unchanged_secrets,
    obfuscate_secrets,
    schema_checksum,
    split_references,
)
from prefect_core.services.system_blocks import system_blocks


class _Inner(Block):
    token: SecretStr
    extra: dict[str, Any] = {}


class _Outer(Block):
    inner: _Inner
    secret: Secret
    label: str = "x"


@pytest.mark.parametrize("cls", [Secret, _Inner, _Outer])
def test_checksum_is_the_clients(cls: type[Block]) -> None:
    fields = cls.model_json_schema()
    assert schema_checksum(fields) == cls._calculate_schema_checksum(fields)


def test_shipped_system_blocks_are_what_the_pinned_client_says() -> None:
    path = Path(__file__).resolve().parents[2] / "scripts" / "generate_system_blocks.py"
    spec = importlib.util.spec_from_file_location("generate_system_blocks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert list(system_blocks()) == module._entries()


def test_secrets_are_masked_by_path_and_wildcard() -> None:
    fields = {"secret_fields": ["password", "nested.key", "headers.*"]}
    data = {"user": "me", "password": "p", "nested": {"key": "k", "other": 1}, "headers": {"a": "1", "b": {"c": 2}}}
    assert obfuscate_secrets(data, fields) == {
        "user": "me",
        "password": OBFUSCATED,
        "nested": {"key": OBFUSCATED, "other": 1},
        "headers": {"a": OBFUSCATED, "b": {"c": OBFUSCATED}},
    }
    assert obfuscate_secrets({"password": None}, fields) == {"password": None}
    assert obfuscate_secrets(data, {}) == data


def test_masked_secrets_sent_back_keep_the_stored_ones() -> None:
    fields = {"secret_fields": ["password", "headers.*"]}
    current = {"password": "p", "headers": {"a": "1"}}
    sent = {"password": OBFUSCATED, "headers": {"a": OBFUSCATED, "new": OBFUSCATED}, "user": "u"}
    assert keep_unchanged_secrets(sent, current, fields) == {
        "password": "p",
        "headers": {"a": "1", "new": OBFUSCATED},
        "user": "u",
    }
    assert keep_unchanged_secrets({"password": "new"}, current, fields) == {"password": "new"}


def test_references_are_split_from_the_data() -> None:
    target = uuid.uuid4()
    data, refs = split_references({"a": 1, "b": {"$ref": {"block_document_id": str(target)}}, "c": {"d": 2}})
    assert data == {"a": 1, "c": {"d": 2}} and refs == [("b", target)]
    with pytest.raises(BadRequest):
        split_references({"b": {"$ref": {}}})
    with pytest.raises(BadRequest):
        split_references({"b": {"$ref": {"block_document_id": "nope"}}})
