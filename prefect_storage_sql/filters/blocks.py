"""Block type, block schema and block document filters as SQLAlchemy conditions."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.schemas.filters.blocks import BlockDocumentFilter, BlockSchemaFilter, BlockTypeFilter
from prefect_storage_sql import tables
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.filters.criteria import TRUE, combine, contains_text

bt, bs, bd = tables.block_type, tables.block_schema, tables.block_document


def block_type_condition(flt: BlockTypeFilter | None) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    out: list[sa.ColumnElement[bool]] = []
    if flt.name is not None and flt.name.like_:
        out.append(contains_text(bt.c.name, flt.name.like_))
    if flt.slug is not None and flt.slug.any_ is not None:
        out.append(bt.c.slug.in_(flt.slug.any_))
    return sa.and_(*out) if out else TRUE


def block_schema_condition(flt: BlockSchemaFilter | None, support: SqlDialectSupport) -> sa.ColumnElement[bool]:
    if flt is None:
        return TRUE
    out: list[sa.ColumnElement[bool]] = []
    if flt.block_type_id is not None and flt.block_type_id.any_ is not None:
        out.append(bs.c.block_type_id.in_(flt.block_type_id.any_))
    if flt.block_capabilities is not None and flt.block_capabilities.all_:
        out.append(support.json_array_contains_all(bs.c.capabilities, flt.block_capabilities.all_))
    if flt.id is not None and flt.id.any_ is not None:
        out.append(bs.c.id.in_(flt.id.any_))
    if flt.version is not None and flt.version.any_ is not None:
        out.append(bs.c.version.in_(flt.version.any_))
    return combine(flt.operator, out)


def block_document_condition(
    documents: BlockDocumentFilter | None,
    types: BlockTypeFilter | None,
    schemas: BlockSchemaFilter | None,
    support: SqlDialectSupport,
) -> sa.ColumnElement[bool]:
    """The documents matching all three filters; without a document filter, the named
    (not anonymous) ones only, as in the reference."""
    if documents is None:
        documents = BlockDocumentFilter()
    own: list[sa.ColumnElement[bool]] = []
    if documents.id is not None and documents.id.any_ is not None:
        own.append(bd.c.id.in_(documents.id.any_))
    if documents.is_anonymous is not None and documents.is_anonymous.eq_ is not None:
        own.append(bd.c.is_anonymous.is_(sa.true() if documents.is_anonymous.eq_ else sa.false()))
    if documents.block_type_id is not None and documents.block_type_id.any_ is not None:
        own.append(bd.c.block_type_id.in_(documents.block_type_id.any_))
    if documents.name is not None:
        if documents.name.any_ is not None:
            own.append(bd.c.name.in_(documents.name.any_))
        if documents.name.like_:
            own.append(contains_text(bd.c.name, documents.name.like_))
    out = [combine(documents.operator, own)]
    if types is not None:
        out.append(sa.exists().where(bt.c.id == bd.c.block_type_id, block_type_condition(types)))
    if schemas is not None:
        out.append(sa.exists().where(bs.c.id == bd.c.block_schema_id, block_schema_condition(schemas, support)))
    return sa.and_(*out)
