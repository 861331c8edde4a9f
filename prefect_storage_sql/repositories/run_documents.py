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

The JSON of a document (orjson, `OPT_UTC_Z`) equals the model's; `tests/api/
test_run_documents.py` compares the two for varied runs on both backends.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
import uuid
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from pydantic import BaseModel, TypeAdapter

from prefect_core import run_facts, timeutil
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


_DETAILS = _Nested(StateDetails)
_STATE_TYPES = {kind.value: kind for kind in StateType}


_STATE_FIELDS = ("id", "type", "name", "timestamp", "message", "data", "state_details")


def _state(values: tuple[Any, ...]) -> dict[str, Any] | None:
    """The run's current state from its joined columns (in `_STATE_FIELDS` order), as `State` serialises it."""
    state_id, kind, name, timestamp, message, data, details = values
    if state_id is None:
        return None
    if kind not in _STATE_TYPES:  # not a stored form the model accepts: let it say so
        return State.model_validate(dict(zip(_STATE_FIELDS, values, strict=True))).model_dump(mode="json")
    return {
        "id": as_uuid(state_id),
        "type": kind,
        "name": DEFAULT_NAMES[_STATE_TYPES[kind]] if name is None else name,
        "timestamp": _utc(timestamp),
        "message": message,
        "data": data,
        "state_details": _DETAILS(details),
    }


class DocumentShape:
    """How to turn the rows of one result shape (its column keys) into documents of `model`:
    the run's columns, its state joined as `state__<field>` columns, and the estimates."""

    def __init__(self, model: type[BaseModel], columns: set[str], keys: Sequence[str]) -> None:
        index: dict[str, int] = {}
        for position, key in enumerate(keys):
            index.setdefault(key, position)  # the first of duplicate keys wins, as on `_mapping`
        stored = [(name, _converter(name, field.annotation)) for name, field in model.model_fields.items()]
        stored = [(name, convert) for name, convert in stored if name in columns]
        self.plain_names = tuple(name for name, convert in stored if convert is _same)
        self.plain = itemgetter(*(index[name] for name in self.plain_names))
        self.converted = [(name, index[name], convert) for name, convert in stored if convert is not _same]
        self.state = itemgetter(*(index[f"state__{name}"] for name in _STATE_FIELDS))
        self.facts = itemgetter(
            *(
                index[c]
                for c in ("total_run_time", "state_type", "state_timestamp", "expected_start_time", "start_time")
            )
        )

    def document(self, row: Sequence[Any], now: dt.datetime) -> dict[str, Any]:
        doc = dict(zip(self.plain_names, self.plain(row), strict=True))
        for name, position, convert in self.converted:
            doc[name] = convert(row[position])
        doc["state"] = _state(self.state(row))
        total, state_type, state_timestamp, expected, start = self.facts(row)
        state_timestamp, expected, start = _utc(state_timestamp), _utc(expected), _utc(start)
        # The estimates as the model path computes them (`RunRepository._computed`).
        doc["estimated_run_time"] = run_facts.estimated_run_time(total, state_type, state_timestamp, now)
        doc["estimated_start_time_delta"] = run_facts.lateness_seconds(expected, start, state_type, now)
        return doc
