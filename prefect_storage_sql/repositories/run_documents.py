"""Stored run rows read straight into JSON-ready documents, for the hot list and read endpoints.

Validating every row of a page through `FlowRun` / `TaskRun` and serialising the models again
costs most of such a request's time, though the rows were written from those models. A
document is the dict the model would serialise to, built per field from the row by the rules of
`documents` (derived from the model's own annotations), plus what only runs have:

- `task_inputs` pass through when every item holds its kind's fields, else go through the
  model's union;
- `state` and the computed fields are assembled as `RunRepository._to_model` does.

The JSON of a document (orjson, `OPT_UTC_Z`) equals the model's, keys in the model's order;
`tests/api/test_run_documents.py` compares the two for varied runs on both backends.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter

from prefect_core import run_facts
from prefect_core.schemas.runs import TaskInput
from prefect_core.schemas.states import DEFAULT_NAMES, State, StateDetails, StateType
from prefect_storage_sql.repositories.documents import (
    Builder,
    Convert,
    Nested,
    as_float,
    as_uuid,
    converter,
    first_positions,
    utc,
)

_TASK_INPUTS: TypeAdapter[Any] = TypeAdapter(dict[str, list[TaskInput]])
#: Each kind of task input's fields, in the model's order, by its `input_type`.
_TASK_INPUT_FIELDS = {
    typing.get_args(kind.model_fields["input_type"].annotation)[0]: tuple(kind.model_fields)
    for kind in typing.get_args(TaskInput)
}


def _task_input(item: Any) -> Any:
    """One stored input as its model gives it: as stored when it holds exactly its kind's
    fields (reordered if the database reordered them), else None (not a form we pass on)."""
    if type(item) is not dict:
        return None
    order = _TASK_INPUT_FIELDS.get(item.get("input_type"))
    if order is None or len(item) != len(order):
        return None
    if tuple(item) == order:
        return item
    return {name: item[name] for name in order} if item.keys() == set(order) else None


def _task_inputs(value: Any) -> Any:
    """Task inputs as stored (each item with its `input_type` and exactly its kind's fields)
    pass through; others go through the model's union."""
    if type(value) is dict:
        passed: dict[str, Any] = {}
        for key, items in value.items():
            if type(items) is not list:
                break
            converted = [_task_input(item) for item in items]
            if None in converted:
                break
            passed[key] = converted
        else:
            return passed
    return _TASK_INPUTS.dump_python(_TASK_INPUTS.validate_python(value), mode="json")


def _converter(name: str, annotation: Any) -> Convert:
    return _task_inputs if name == "task_inputs" else converter(annotation)


_DETAILS = Nested(StateDetails)
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
        "timestamp": utc(timestamp),
        "message": message,
        "data": data,
        "state_details": _DETAILS(details),
    }


class DocumentShape:
    """How to turn the rows of one result shape (its column keys) into documents of `model`:
    the run's columns, its state joined as `state__<field>` columns, and the estimates; a
    field the rows do not hold (a subclass's joined one) is None, for the caller to fill.
    `document(row, now)` is generated (`documents.Builder`)."""

    def __init__(self, model: type[BaseModel], columns: set[str], keys: Sequence[str]) -> None:
        index = first_positions(keys)
        builder = Builder(model.__name__, params="row, now")
        column = builder.column
        utc_ = builder.name(utc)
        total, state_type = column(index["total_run_time"], as_float), column(index["state_type"])
        state_timestamp = f"{utc_}(row[{index['state_timestamp']}])"
        expected, start = f"{utc_}(row[{index['expected_start_time']}])", f"{utc_}(row[{index['start_time']}])"
        computed = {
            "state": "{}(({},))".format(
                builder.name(_state), ", ".join(column(index[f"state__{name}"]) for name in _STATE_FIELDS)
            ),
            # The estimates as the model path computes them (`RunRepository._computed`).
            "estimated_run_time": f"{builder.name(run_facts.estimated_run_time)}({total}, {state_type}, {state_timestamp}, now)",
            "estimated_start_time_delta": f"{builder.name(run_facts.lateness_seconds)}({expected}, {start}, {state_type}, now)",
        }
        for name, field in model.model_fields.items():
            if name in computed:
                builder.add(name, computed[name])
            elif name in columns:
                builder.add(name, column(index[name], _converter(name, field.annotation)))
            else:
                builder.add(name, "None")
        self.document: Callable[[Sequence[Any], dt.datetime], dict[str, Any]] = builder.build()
