"""The block types and schemas every server offers from its first start (Secret, Webhook,
the notification blocks, the file systems), registered idempotently at start-up.

The data is generated from the pinned client's block classes by
`scripts/generate_system_blocks.py` and shipped as `prefect_core/data/system_blocks.json`.
Registration reads what is stored first and writes only what is missing or changed,
with inserts that ignore conflicts, so that a restart costs two reads and several
servers starting at once on one database never fail.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from prefect_core import timeutil
from prefect_core.ports import Storage
from prefect_core.schemas.blocks import BlockSchema, BlockType
from prefect_core.services.block_data import schema_references

_TYPE_FIELDS = ("logo_url", "documentation_url", "description", "code_example")


@cache
def system_blocks() -> tuple[dict[str, Any], ...]:
    """The shipped entries: `{"block_type": {...}, "protected": bool, "block_schema": {...}}`."""
    text = resources.files("prefect_core.data").joinpath("system_blocks.json").read_text()
    return tuple(json.loads(text)["blocks"])


class SystemBlockService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def register(self) -> None:
        """Store the system block types and schemas that are missing, bring the stored
        system types up to date, and protect the ones the server guards."""
        entries = system_blocks()
        slugs = [entry["block_type"]["slug"] for entry in entries]
        async with self.storage.write() as uow:
            stored = {t.slug: t for t in await uow.block_types.get_by_slugs(slugs)}
            now = timeutil.now()
            missing = [
                BlockType(**entry["block_type"], is_protected=entry["protected"], created=now, updated=now)
                for entry in entries
                if entry["block_type"]["slug"] not in stored
            ]
            if missing:
                await uow.block_types.insert_missing(missing)
                stored = {t.slug: t for t in await uow.block_types.get_by_slugs(slugs)}
            for entry in entries:
                current = stored.get(entry["block_type"]["slug"])
                if current is None:
                    continue
                wanted = {key: entry["block_type"].get(key) for key in _TYPE_FIELDS}
                wanted["is_protected"] = entry["protected"] or current.is_protected
                if any(getattr(current, key) != value for key, value in wanted.items()):
                    await uow.block_types.update(current.id, wanted)
            schemas = [
                BlockSchema(
                    **entry["block_schema"],
                    block_type_id=stored[entry["block_type"]["slug"]].id,
                    created=now,
                    updated=now,
                )
                for entry in entries
                if entry["block_type"]["slug"] in stored
            ]
            await uow.block_schemas.insert_missing(schemas)
            await self._link_nested(uow, schemas)

    async def _link_nested(self, uow: Any, schemas: list[BlockSchema]) -> None:
        # System blocks nesting other system blocks (none in the pinned client today).
        for schema in schemas:
            references = schema_references(schema.fields)
            if not references:
                continue
            parent = await uow.block_schemas.get_by_checksum(schema.checksum, schema.version)
            for name, _slug, checksum in references:
                child = await uow.block_schemas.get_by_checksum(checksum)
                if parent is not None and child is not None:
                    await uow.block_schemas.add_reference(parent.id, child.id, name)
