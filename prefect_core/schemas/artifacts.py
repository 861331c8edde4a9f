"""Artifacts (reports a run publishes: markdown, tables, links, progress, images, results)
and artifact collections (the latest artifact of each key)."""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field

from prefect_core.schemas.base import ActionModel, ORMModel

#: The stored key's column width (the reference leaves keys unbounded; a key longer than
#: this could not be indexed on every backend).
MAX_KEY_LENGTH = 255
#: Metadata values longer than this are cut to it and marked with "...", as the reference does.
MAX_METADATA_VALUE_LENGTH = 500

_KEY = re.compile(r"[a-z0-9-]*")


def _check_key(key: str | None) -> str | None:
    if key is not None and not _KEY.fullmatch(key):
        raise ValueError("Artifact key must only contain lowercase letters, numbers, and dashes.")
    return key


def _shorten_metadata(metadata: dict[str, str] | None) -> dict[str, str] | None:
    if metadata is None:
        return None
    return {
        key: value if len(value) <= MAX_METADATA_VALUE_LENGTH else value[:MAX_METADATA_VALUE_LENGTH] + "..."
        for key, value in metadata.items()
    }


ArtifactKey = Annotated[str, AfterValidator(_check_key), Field(max_length=MAX_KEY_LENGTH)]
Metadata = Annotated[dict[str, str], AfterValidator(_shorten_metadata)]


class ArtifactSort(str, Enum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    ID_DESC = "ID_DESC"
    KEY_DESC = "KEY_DESC"
    KEY_ASC = "KEY_ASC"


class ArtifactCollectionSort(str, Enum):
    """The same orders, over the collections (the reference names them apart)."""

    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    ID_DESC = "ID_DESC"
    KEY_DESC = "KEY_DESC"
    KEY_ASC = "KEY_ASC"


class Artifact(ORMModel):
    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, str] | None = None
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class ArtifactCollection(ORMModel):
    """The latest artifact of a key: its fields, its id as `latest_id`, and an id of its own."""

    key: str
    latest_id: UUID
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, str] | None = None
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class ArtifactCreate(ActionModel):
    """`POST /artifacts/`. `type` names the shape of `data` (markdown, table, link,
    progress, image, result...); any string is accepted, as in the reference."""

    key: ArtifactKey | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: Metadata | None = None
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class ArtifactUpdate(ActionModel):
    """`PATCH /artifacts/{id}`: the fields sent are replaced (null clears them)."""

    data: Any = None
    description: str | None = None
    metadata_: Metadata | None = None
