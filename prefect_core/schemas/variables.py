"""Variables: named JSON values (configuration a flow reads with `Variable.get`)."""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any

import orjson
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from prefect_core.schemas.base import ActionModel, ORMModel

#: The reference's limits: names of at most 255 characters, values whose JSON text
#: is at most 5000 characters.
MAX_NAME_LENGTH = 255
MAX_VALUE_LENGTH = 5000

_NAME = re.compile(r"[a-z0-9_-]*")


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError("Variable name must only contain lowercase letters, numbers, and dashes or underscores.")
    return name


def _check_value(value: object) -> object:
    try:
        text = orjson.dumps(value)
    except TypeError:
        raise ValueError("Variable value must be serializable to JSON") from None
    if value is not None and len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"Variable value must be less than {MAX_VALUE_LENGTH} characters")
    return value


#: The character check runs before the length check, so a long name of banned
#: characters is reported for its characters (as the reference does).
VariableName = Annotated[str, AfterValidator(_check_name), Field(max_length=MAX_NAME_LENGTH)]
#: Any JSON value (strings, numbers, booleans, null, objects, arrays) within the size limit.
VariableValue = Annotated[
    StrictStr | StrictInt | StrictBool | StrictFloat | dict[str, Any] | list[Any] | None,
    BeforeValidator(_check_value),
]


class VariableSort(str, Enum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_DESC = "NAME_DESC"
    NAME_ASC = "NAME_ASC"


class Variable(ORMModel):
    name: str
    value: Any = None
    tags: list[str] = Field(default_factory=list)


class VariableCreate(ActionModel):
    """`POST /variables/`."""

    name: VariableName
    value: VariableValue
    tags: list[str] = Field(default_factory=list)


class VariableUpdate(ActionModel):
    """`PATCH /variables/{id}` and `/variables/name/{name}`: the fields sent are changed."""

    name: VariableName | None = None
    value: VariableValue = None
    tags: list[str] | None = None

    def changes(self) -> dict[str, Any]:
        """The columns to write. A null name or tag list changes nothing (neither may be
        null; the reference fails on them)."""
        values = self.model_dump(exclude_unset=True)
        return {k: v for k, v in values.items() if v is not None or k == "value"}
