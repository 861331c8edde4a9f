"""Stored run rows read straight into JSON-ready documents, for the hot list and read endpoints.

Validating every row of a page through `FlowRun` / `TaskRun` and serialising the models again
costs most of such a request's time, though the rows were written from those models. A
document is the dict the model would serialise to, built per field from the row by rules
derived from the model's own annotations (so a new field is covered as it is added):

- datetimes are made aware UTC (the models' `to_utc`), floats floats, UUIDs `UUID`s;
- a nested model stored as JSON (`empirical_policy`, `created_by`, `state_details`) passes
  through when it holds exactly the model's fields, as every writer stores it
  (`model_dump(mode="json")`); anything else goes through the model, so defaults, renamed
  fields and unknown keys come out as the model would give them;
- `state` and the computed fields are assembled as `RunRepository._to_model` does.

The JSON of a document (orjson, `OPT_UTC_Z`) equals the model's; `tests/storage/
test_run_documents.py` compares the two for varied runs on both backends.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, TypeAdapter

from prefect_core import timeutil
from prefect_core.schemas.runs import TaskInput
from prefect_core.schemas.states import DEFAULT_NAMES, State, StateDetails, StateType

Convert = Callable[[Any], Any]

_UTC = dt.UTC


def _same(value: Any) -> Any:
    return value


def _utc(value: Any) -> Any:
    if value is None or (type(value) is dt.datetime and value.tzinfo is _UTC):
        return value
    return timeutil.to_utc(value)


def _float(value: Any) -> Any:
    return value if value is None or type(value) is float else float(value)


def as_uuid(value: Any) -> Any:
    """A `uuid.UUID` (drivers return their own subclasses, which orjson does not serialise)."""
    return value if value is None or type(value) is uuid.UUID else uuid.UUID(str(value))


class _Nested:
    """A nested model stored as JSON: passed through when it has exactly the model's fields."""

    __slots__ = ("fields", "model")

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.fields = frozenset(model.model_fields)

    def __call__(self, value: Any) -> Any:
        if value is None or (type(value) is dict and value.keys() == self.fields):
            return value
        return self.model.model_validate(value).model_dump(mode="json")


_TASK_INPUTS: TypeAdapter[Any] = TypeAdapter(dict[str, list[TaskInput]])
_TASK_INPUT_FIELDS = {
    typing.get_args(kind.model_fields["input_type"].annotation)[0]: frozenset(kind.model_fields)
    for kind in typing.get_args(TaskInput)
}


def _task_inputs(value: Any) -> Any:
    """Task inputs as stored (each item with its `input_type` and exactly its kind's fields)
    pass through; others go through the model's union."""
    if type(value) is dict:
        for items in value.values():
            if type(items) is not list:
                break
            if not all(
                type(item) is dict and item.keys() == _TASK_INPUT_FIELDS.get(item.get("input_type"), ())
                for item in items
            ):
                break
        else:
            return value
    return _TASK_INPUTS.dump_python(_TASK_INPUTS.validate_python(value), mode="json")


def _leaves(annotation: Any) -> set[Any]:
    """The concrete types an annotation admits (unions and `Annotated` unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _leaves(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return {leaf for arg in typing.get_args(annotation) for leaf in _leaves(arg)}
    return {annotation}


def _converter(name: str, annotation: Any) -> Convert:
    if name == "task_inputs":
        return _task_inputs
    leaves = _leaves(annotation) - {type(None)}
    if len(leaves) != 1:
        return _same  # unions of JSON values (labels' values, retry delays) are stored as given
    (leaf,) = leaves
    if leaf is dt.datetime:
        return _utc
    if leaf is float:
        return _float
    if leaf is uuid.UUID:
        return as_uuid
    if isinstance(leaf, type) and issubclass(leaf, BaseModel):
        return _Nested(leaf)
    return _same


def column_converters(model: type[BaseModel], columns: set[str]) -> list[tuple[str, Convert]]:
    """For each field of `model` stored in a column of that name, how to make its value JSON-ready."""
    return [(name, _converter(name, field.annotation)) for name, field in model.model_fields.items() if name in columns]


_DETAILS = _Nested(StateDetails)
_STATE_TYPES = {kind.value: kind for kind in StateType}


def state_document(mapping: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    """The run's current state (joined columns named `prefix` + field), as `State` serialises it."""
    state_id = mapping[f"{prefix}id"]
    if state_id is None:
        return None
    kind, name = mapping[f"{prefix}type"], mapping[f"{prefix}name"]
    if kind not in _STATE_TYPES:  # not a stored form the model accepts: let it say so
        return State.model_validate({c: mapping[f"{prefix}{c}"] for c in State.model_fields}).model_dump(mode="json")
    return {
        "id": as_uuid(state_id),
        "type": kind,
        "name": DEFAULT_NAMES[_STATE_TYPES[kind]] if name is None else name,
        "timestamp": _utc(mapping[f"{prefix}timestamp"]),
        "message": mapping[f"{prefix}message"],
        "data": mapping[f"{prefix}data"],
        "state_details": _DETAILS(mapping[f"{prefix}state_details"]),
    }
