"""The `prefect.block-type.*` and `prefect.block-document.*` lifecycle events the server
emits when a block type or a (named) block document is created, updated or deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from prefect_core.schemas.blocks import BlockDocument, BlockType
from prefect_core.schemas.events import Event

LifecycleAction = Literal["created", "updated", "deleted"]


def block_type_event(action: LifecycleAction, block_type: BlockType, occurred: dt.datetime) -> Event:
    payload = block_type.model_dump(
        mode="json",
        include={"name", "slug", "logo_url", "documentation_url", "description", "code_example", "is_protected"},
    )
    return Event.model_validate(
        {
            "occurred": occurred,
            "event": f"prefect.block-type.{action}",
            "resource": {
                "prefect.resource.id": f"prefect.block-type.{block_type.id}",
                "prefect.resource.name": block_type.name,
            },
            "related": [],
            "payload": payload,
        }
    )


def block_document_event(action: LifecycleAction, document: BlockDocument, occurred: dt.datetime) -> Event:
    """The event for `document` as the API answers it (secrets masked). Its payload
    carries only plain string values, and none under a field the schema marks secret."""
    schema = document.block_schema
    secret_roots = {str(path).split(".")[0] for path in (schema.fields.get("secret_fields") or [])} if schema else set()
    data = {k: v for k, v in document.data.items() if k not in secret_roots and isinstance(v, str)}
    block_schema: dict[str, Any] | None = None
    if schema is not None:
        block_schema = {
            "capabilities": schema.capabilities,
            "block_type": {"id": str(document.block_type_id), "name": document.block_type_name or ""},
        }
    block_type_ref = {
        "prefect.resource.id": f"prefect.block-type.{document.block_type_id}",
        "prefect.resource.role": "block-type",
    }
    if document.block_type_name:
        block_type_ref["prefect.resource.name"] = document.block_type_name
    resource = {"prefect.resource.id": f"prefect.block-document.{document.id}"}
    if document.name is not None:
        resource["prefect.resource.name"] = document.name
    return Event.model_validate(
        {
            "occurred": occurred,
            "event": f"prefect.block-document.{action}",
            "resource": resource,
            "related": [
                block_type_ref,
                {
                    "prefect.resource.id": f"prefect.block-schema.{document.block_schema_id}",
                    "prefect.resource.role": "block-schema",
                },
            ],
            "payload": {"name": document.name, "data": data, "block_schema": block_schema},
        }
    )
