"""Column types that store the same Python values on every SQL database."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

from prefect_core import timeutil


class Timestamp(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes.

    timestamptz where the database has one; elsewhere fixed-width ISO-8601 text
    (`2024-01-22T15:30:45.123456Z`) so that text order is time order.
    """

    impl = sa.String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.String(32))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        value = timeutil.parse(value) if isinstance(value, str) else timeutil.to_utc(value)
        if dialect.name == "postgresql":
            return value
        return timeutil.isoformat(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return timeutil.to_utc(value)
        try:
            # What we store ("...Z", UTC): Python 3.11 parses it directly.
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return timeutil.parse(value)


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class Json(TypeDecorator[Any]):
    """JSON documents: jsonb on PostgreSQL, text elsewhere, (de)serialised with orjson."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            # Bound as text and cast, so the driver needs no JSON codec of its own.
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return value
        return _dumps(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        # PostgreSQL's driver has decoded jsonb already: a str there is a JSON string.
        if value is None or dialect.name == "postgresql" or not isinstance(value, (str, bytes)):
            return value
        return orjson.loads(value)


class Uuid(TypeDecorator[uuid.UUID]):
    """UUIDs: native uuid on PostgreSQL, canonical 36-character text elsewhere."""

    impl = sa.String(36)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=True))
        return dialect.type_descriptor(sa.String(36))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, uuid.UUID):
            value = uuid.UUID(str(value))
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> uuid.UUID | None:
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(value)
