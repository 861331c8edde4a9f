"""Block documents: stored configuration. A document nesting another saved document
keeps a reference to it (`{"$ref": {"block_document_id": ...}}` in what clients send),
resolved into its data on every read. Secrets are masked unless asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from prefect_core import timeutil
from prefect_core.errors import BadRequest, Conflict, InvalidInput, NotFound
from prefect_core.events.block_events import LifecycleAction, block_document_event
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.blocks import BlockDocument, BlockDocumentCreate, BlockDocumentUpdate, BlockSchema, BlockType
from prefect_core.schemas.bodies.blocks import BlockDocumentCountBody, BlockDocumentFilterBody, BlockDocumentSort
from prefect_core.schemas.filters.blocks import (
    BlockDocumentFilter,
    BlockDocumentFilterBlockTypeId,
    BlockDocumentFilterName,
    BlockTypeFilter,
    BlockTypeFilterSlug,
)
from prefect_core.services.block_cipher import BlockCipher, new_key
from prefect_core.services.block_data import keep_unchanged_secrets, obfuscate_secrets, split_references
from prefect_core.services.events_sink import DiscardingSink, EventSink

DOCUMENT_NOT_FOUND = "Block document not found"
#: How deep nested documents are resolved (the reference's bound).
MAX_REFERENCE_DEPTH = 50


class BlockDocumentService:
    def __init__(self, storage: Storage, events: EventSink | None = None, encryption_key: str | None = None) -> None:
        self.storage = storage
        self.events: EventSink = events or DiscardingSink()
        self._cipher: BlockCipher | None = None if encryption_key is None else BlockCipher(encryption_key)

    async def prepare(self) -> None:
        """Make sure a key to seal block data with exists (at start-up, and before any
        write): the configured one, or the one stored by the first server to start, or a
        new one stored now. It is kept only once committed, so that no document is ever
        sealed with a key a rollback lost."""
        if self._cipher is not None:
            return
        async with self.storage.write() as uow:
            key = await uow.block_documents.encryption_key()
            if key is None:
                await uow.block_documents.store_encryption_key(new_key())
                key = await uow.block_documents.encryption_key()
        assert key is not None
        self._cipher = BlockCipher(key)

    async def cipher(self, uow: UnitOfWork) -> BlockCipher:
        """The cipher of the stored (or configured) key."""
        if self._cipher is None:
            key = await uow.block_documents.encryption_key()
            if key is None:
                # No key stored yet, so no document either: nothing will be opened with this one.
                return BlockCipher(new_key())
            self._cipher = BlockCipher(key)
        return self._cipher

    async def _announce(self, action: LifecycleAction, document: BlockDocument) -> None:
        # Anonymous documents are the client's plumbing: the reference announces none.
        if not document.is_anonymous:
            await self.events.emit([block_document_event(action, document, timeutil.now())])

    async def create(self, body: BlockDocumentCreate) -> BlockDocument:
        await self.prepare()
        async with self.storage.write() as uow:
            if body.name is not None and await uow.block_documents.exists(body.block_type_id, body.name):
                raise Conflict("Block already exists")
            block_type = await uow.block_types.get(body.block_type_id)
            if block_type is None:
                raise NotFound(f"Block type {body.block_type_id} not found.")
            schema = await uow.block_schemas.get(body.block_schema_id)
            if schema is None:
                raise NotFound(f"Block schema {body.block_schema_id} not found.")
            data, references = split_references(body.data)
            await _check_references(uow, references)
            name = body.name if body.name or not body.is_anonymous else f"anonymous-{uuid4()}"
            now = timeutil.now()
            document = BlockDocument(
                name=name,
                data=data,
                block_schema_id=schema.id,
                block_type_id=block_type.id,
                block_type_name=block_type.name,
                is_anonymous=body.is_anonymous,
                created=now,
                updated=now,
            )
            cipher = await self.cipher(uow)
            await uow.block_documents.insert(document, cipher.seal(data))
            await uow.block_documents.set_references(document.id, references)
            created = (await resolve(uow, [document.id], cipher, include_secrets=False))[0]
        await self._announce("created", created)
        return created

    async def read(self, document_id: UUID, include_secrets: bool = False) -> BlockDocument:
        async with self.storage.read() as uow:
            found = await resolve(uow, [document_id], await self.cipher(uow), include_secrets=include_secrets)
        if not found:
            raise NotFound(DOCUMENT_NOT_FOUND)
        return found[0]

    async def read_by_name(self, slug: str, name: str, include_secrets: bool = False) -> BlockDocument:
        found = await self._filter(
            BlockDocumentFilter(name=BlockDocumentFilterName(any_=[name]), is_anonymous=None),
            BlockTypeFilter(slug=BlockTypeFilterSlug(any_=[slug])),
            None,
            include_secrets=include_secrets,
            limit=1,
        )
        if not found:
            raise NotFound(DOCUMENT_NOT_FOUND)
        return found[0]

    async def of_type(self, slug: str, include_secrets: bool = False) -> list[BlockDocument]:
        """The (named) documents of the block type with this slug."""
        async with self.storage.read() as uow:
            block_type = await uow.block_types.get_by_slug(slug)
            if block_type is None:
                raise NotFound("Block type not found")
            ids = await uow.block_documents.filter_ids(
                BlockDocumentFilter(block_type_id=BlockDocumentFilterBlockTypeId(any_=[block_type.id])),
                None,
                None,
                sort=BlockDocumentSort.NAME_ASC,
                offset=0,
                limit=None,
            )
            return await resolve(uow, ids, await self.cipher(uow), include_secrets=include_secrets)

    async def filter(self, body: BlockDocumentFilterBody) -> list[BlockDocument]:
        return await self._filter(
            body.block_documents,
            body.block_types,
            body.block_schemas,
            include_secrets=body.include_secrets,
            sort=body.sort,
            offset=body.offset,
            limit=body.limit,
        )

    async def _filter(
        self,
        documents: BlockDocumentFilter | None,
        types: BlockTypeFilter | None,
        schemas: Any,
        *,
        include_secrets: bool,
        sort: BlockDocumentSort = BlockDocumentSort.NAME_ASC,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[BlockDocument]:
        async with self.storage.read() as uow:
            ids = await uow.block_documents.filter_ids(documents, types, schemas, sort=sort, offset=offset, limit=limit)
            return await resolve(uow, ids, await self.cipher(uow), include_secrets=include_secrets)

    async def count(self, body: BlockDocumentCountBody) -> int:
        async with self.storage.read() as uow:
            return await uow.block_documents.count(body.block_documents, body.block_types, body.block_schemas)

    async def update(self, document_id: UUID, body: BlockDocumentUpdate) -> None:
        """Replace (or, with `merge_existing_data`, merge into) the document's data.
        Secrets sent back masked keep their stored values; the references the new data
        makes replace the old ones. A new schema must be of the document's type."""
        await self.prepare()
        sent = body.model_dump(exclude_unset=body.merge_existing_data, exclude={"merge_existing_data"})
        async with self.storage.write() as uow:
            rows = await uow.block_documents.get_rows([document_id])
            if not rows:
                raise NotFound(DOCUMENT_NOT_FOUND)
            cipher = await self.cipher(uow)
            current = rows[0][0].model_copy(update={"data": cipher.open(rows[0][1])})
            if sent.get("data") is None:
                return
            schema = await uow.block_schemas.get(current.block_schema_id)
            fields = schema.fields if schema is not None else {}
            data = keep_unchanged_secrets(sent["data"], current.data, fields)
            if body.merge_existing_data:
                data = {**current.data, **data}
            own, references = split_references(data)
            await _check_references(uow, references, parent_id=document_id)
            values: dict[str, Any] = {"data": cipher.seal(own)}
            proposed = body.block_schema_id
            if proposed is not None and proposed != current.block_schema_id:
                new_schema = await uow.block_schemas.get(proposed)
                if new_schema is None:
                    raise NotFound(f"Block schema {proposed} not found.")
                if new_schema.block_type_id != current.block_type_id:
                    raise BadRequest("Must migrate block document to a block schema of the same block type.")
                values["block_schema_id"] = proposed
            await uow.block_documents.update(document_id, values)
            await uow.block_documents.set_references(document_id, references)
            updated = (await resolve(uow, [document_id], cipher, include_secrets=False))[0]
        await self._announce("updated", updated)

    async def default_storage(self) -> UUID | None:
        """The server's default result storage block document, if one is set."""
        async with self.storage.read() as uow:
            return await uow.block_documents.default_storage()

    async def set_default_storage(self, document_id: UUID | None) -> None:
        """Name a document whose schema can write paths as the default result storage
        (None: clear it)."""
        await self.prepare()
        async with self.storage.write() as uow:
            if document_id is not None:
                found = await resolve(uow, [document_id], await self.cipher(uow), include_secrets=False)
                if not found:
                    raise NotFound(f"Block document {document_id} not found.")
                schema = found[0].block_schema
                if schema is None or "write-path" not in schema.capabilities:
                    raise InvalidInput(f"Block document {document_id} cannot be used for result storage.")
            await uow.block_documents.set_default_storage(document_id)

    async def delete(self, document_id: UUID) -> None:
        async with self.storage.write() as uow:
            found = await resolve(uow, [document_id], await self.cipher(uow), include_secrets=False)
            if not found or not await uow.block_documents.delete(document_id):
                raise NotFound(DOCUMENT_NOT_FOUND)
        await self._announce("deleted", found[0])


async def _check_references(
    uow: UnitOfWork, references: Sequence[tuple[str, UUID]], parent_id: UUID | None = None
) -> None:
    """Every referenced document exists and none would nest the parent inside itself."""
    targets = list(dict.fromkeys(target for _, target in references))
    if not targets:
        return
    found = {row.id for row, _ in await uow.block_documents.get_rows(targets)}
    missing = [target for target in targets if target not in found]
    if missing:
        raise NotFound(f"Block document {missing[0]} not found.")
    if parent_id is None:
        return
    seen: set[UUID] = set()
    frontier = targets
    while frontier:
        if parent_id in frontier:
            raise BadRequest(
                "Cannot create block document reference: it would introduce a cycle into the "
                f"block_document_reference graph (parent={parent_id})."
            )
        seen.update(frontier)
        edges = await uow.block_documents.references_from(frontier)
        frontier = list({child for _, _, child in edges if child not in seen})


async def resolve(
    uow: UnitOfWork, ids: Sequence[UUID], cipher: BlockCipher, *, include_secrets: bool
) -> list[BlockDocument]:
    """The documents with these ids, in this order, as the API answers them: their schema
    and type, secrets masked (unless `include_secrets`), nested documents resolved into
    their data and listed in `block_document_references`."""
    if not ids:
        return []

    def opened(found: list[tuple[BlockDocument, str]]) -> dict[UUID, BlockDocument]:
        return {row.id: row.model_copy(update={"data": cipher.open(sealed)}) for row, sealed in found}

    rows = opened(await uow.block_documents.get_rows(ids))
    children: dict[UUID, list[tuple[str, UUID]]] = {}
    frontier = list(rows)
    for _ in range(MAX_REFERENCE_DEPTH + 1):
        edges = await uow.block_documents.references_from(frontier)
        if not edges:
            break
        for parent, name, child in edges:
            children.setdefault(parent, []).append((name, child))
        new = list({child for _, _, child in edges if child not in rows})
        rows.update(opened(await uow.block_documents.get_rows(new)))
        frontier = new
    schemas: dict[UUID, BlockSchema] = {
        schema.id: schema
        for schema in await uow.block_schemas.get_many(list({r.block_schema_id for r in rows.values()}))
    }
    types: dict[UUID, BlockType] = {
        t.id: t for t in await uow.block_types.get_many(list({r.block_type_id for r in rows.values()}))
    }

    def build(document_id: UUID, depth: int) -> BlockDocument:
        row = rows[document_id]
        schema = schemas.get(row.block_schema_id)
        data = dict(row.data)
        if not include_secrets and schema is not None:
            data = obfuscate_secrets(data, schema.fields)
        references: dict[str, dict[str, Any]] = {}
        for name, child_id in children.get(document_id, []) if depth < MAX_REFERENCE_DEPTH else []:
            if child_id not in rows:
                continue
            child = build(child_id, depth + 1)
            data[name] = child.data
            references[name] = {
                "block_document": {
                    "id": str(child.id),
                    "name": child.name,
                    "block_type": child.block_type.model_dump(mode="json") if child.block_type else None,
                    "is_anonymous": child.is_anonymous,
                    "block_document_references": child.block_document_references,
                }
            }
        return row.model_copy(
            update={
                "data": data,
                "block_schema": schema,
                "block_type": types.get(row.block_type_id),
                "block_document_references": references,
            }
        )

    return [build(document_id, 0) for document_id in ids if document_id in rows]
