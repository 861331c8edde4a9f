"""Our validator against the pinned client's own schema tools (the code the reference server
runs): the same verdicts, the same first message and the same error report for Prefect-shaped
schemas (pydantic v1 optionals, tuples, definitions, block references, `position`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prefect.utilities.schema_tools import validation as reference

from prefect_core import schema_validation as sv

BLOCK = {"title": "Creds", "block_type_slug": "creds", "type": "object", "properties": {"k": {"type": "string"}}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "x": {"type": "integer", "position": 0},
        "name": {"type": "string", "position": 1},
        "pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}], "position": 2},
        "point": {"$ref": "#/definitions/Point", "position": 3},
        "creds": {"$ref": "#/definitions/Creds", "position": 4},
        "when": {"type": "string", "format": "date-time", "default": "2024-01-01T00:00:00Z", "position": 5},
        "id": {"type": "string", "format": "uuid", "position": 6},
    },
    "required": ["x"],
    "definitions": {
        "Point": {"title": "Point", "type": "object", "properties": {"a": {"type": "number"}}, "required": ["a"]},
        "Creds": BLOCK,
    },
}
CASES = [
    {"x": 1},
    {"x": "a"},
    {},
    {"x": 1, "name": None},
    {"x": 1, "name": 3},
    {"x": 1, "pair": [1, "a"]},
    {"x": 1, "pair": ["a", 1]},
    {"x": 1, "point": {}},
    {"x": 1, "point": {"a": "b"}},
    {"x": 1, "creds": {"k": "v"}},
    {"x": 1, "creds": {"$ref": {"block_document_id": "7b0a1a51-63a5-4b3b-a0f4-0a2a3c1ad1a2"}}},
    {"x": 1, "creds": {"$ref": 5}},
    {"x": 1, "id": "not-a-uuid"},
    {"x": [1], "name": 2, "point": {"a": []}},
]


def _reference_message(values: dict[str, Any], **options: Any) -> str | None:
    try:
        reference.validate(values, SCHEMA, raise_on_error=True, **options)
    except reference.ValidationError as exc:
        return str(exc)
    return None


def _our_message(values: dict[str, Any], **options: Any) -> str | None:
    try:
        sv.ensure_valid(values, SCHEMA, **options)
    except sv.SchemaValidationFailed as exc:
        return exc.message
    return None


@pytest.mark.parametrize("values", CASES)
@pytest.mark.parametrize("options", [{}, {"ignore_required": True}, {"allow_none_with_default": True}])
def test_first_failure_as_the_reference_words_it(values: dict[str, Any], options: dict[str, Any]) -> None:
    assert _our_message(values, **options) == _reference_message(values, **options)


@pytest.mark.parametrize("values", CASES)
def test_error_report_as_the_reference_builds_it(values: dict[str, Any]) -> None:
    prepared = reference.preprocess_schema(SCHEMA)
    expected = reference.build_error_obj(reference.validate(values, prepared, preprocess=False))
    assert sv.error_report(sv.find_errors(values, sv.preprocess(SCHEMA), prepare=False)) == expected


def test_some_cases_fail_and_some_pass() -> None:
    # the comparisons above would hold for a validator that accepts everything
    verdicts = {_our_message(v) is None for v in CASES}
    assert verdicts == {True, False}


def test_circular_references_and_invalid_schemas() -> None:
    circular = {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"$ref": "#/$defs/A"}}}
    with pytest.raises(sv.CircularSchemaReference):
        sv.ensure_valid({"a": 1}, circular)
    with pytest.raises(sv.InvalidSchema, match=r"^Invalid schema: "):
        sv.check_schema({"type": 5})
    remote = {"type": "object", "properties": {"a": {"$ref": "https://example.invalid/schema.json"}}}
    with pytest.raises(sv.SchemaValidationFailed, match=r"^Validation failed\. Failure reason: "):
        sv.ensure_valid({"a": 1}, remote)


PLACEHOLDERS = [
    {"a": {"__prefect_kind": "json", "value": "[1, 2]"}},
    {"a": {"__prefect_kind": "json", "value": 5}},
    {"a": {"__prefect_kind": "json"}, "b": [{"__prefect_kind": "json"}, 1]},
    {"a": {"__prefect_kind": "none", "value": {"b": {"__prefect_kind": "json", "value": "{}"}}}},
    {"a": {"__prefect_kind": "json", "value": {"__prefect_kind": "none", "value": "[3]"}}},
    {"a": {"__prefect_kind": "mystery", "value": 9}},
    {"a": [{"x": {"__prefect_kind": "json", "value": "true"}}]},
]


@pytest.mark.parametrize("values", PLACEHOLDERS)
def test_hydration_as_the_reference_hydrates(values: dict[str, Any]) -> None:
    from prefect.utilities.schema_tools.hydration import HydrationContext, hydrate

    from prefect_core import schema_hydration

    assert asyncio.run(schema_hydration.hydrate(values)) == hydrate(values, HydrationContext(raise_on_error=True))


@pytest.mark.parametrize(
    "values", [{"a": {"__prefect_kind": "json", "value": "[1,"}}, {"a": {"__prefect_kind": "none"}}]
)
def test_hydration_failures_are_worded_as_the_reference(values: dict[str, Any]) -> None:
    from prefect.utilities.schema_tools.hydration import HydrationContext, HydrationError, hydrate

    from prefect_core import schema_hydration

    with pytest.raises(HydrationError) as expected:
        hydrate(values, HydrationContext(raise_on_error=True))
    with pytest.raises(schema_hydration.HydrationFailed) as ours:
        asyncio.run(schema_hydration.hydrate(values))
    assert ours.value.message == expected.value.message


@pytest.mark.parametrize(
    "values",
    [
        {"a": {"__prefect_kind": "workspace_variable", "variable_name": "v"}},
        {
            "a": [
                {"__prefect_kind": "workspace_variable"},
                {"__prefect_kind": "workspace_variable", "variable_name": "w"},
            ]
        },
    ],
)
def test_workspace_variables_hydrate_as_the_reference(values: dict[str, Any]) -> None:
    from prefect.utilities.schema_tools.hydration import HydrationContext, hydrate

    from prefect_core import schema_hydration

    variables = {"v": [1, "x"], "w": {"k": None}}
    context = HydrationContext(raise_on_error=True, render_workspace_variables=True, workspace_variables=variables)
    assert schema_hydration.variable_names(values) <= set(variables)
    assert asyncio.run(schema_hydration.hydrate(values, variables)) == hydrate(values, context)
