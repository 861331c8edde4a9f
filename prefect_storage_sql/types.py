"""Column types that store the same Python values on every SQL database.

How each is stored on a given database (native type or text) is that database's
`SqlDialectSupport.stored_forms`; these types only normalise values first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from prefect_core import timeutil
from prefect_storage_sql.dialect import stored_forms_for


class Timestamp(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes (timestamptz where the database has one, else sortable text)."""

    impl = sa.String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        return dialect.type_descriptor(stored_forms_for(dialect).timestamp.impl)

    @staticmethod
    def normalise(value: Any) -> dt.datetime:
        """The aware UTC datetime a bound value (datetime or ISO text, never None) stands for."""
        return timeutil.parse(value) if isinstance(value, str) else timeutil.to_utc(value)

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else stored_forms_for(dialect).timestamp.to_db(self.normalise(value))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        return None if value is None else stored_forms_for(dialect).timestamp.from_db(value)


class Json(TypeDecorator[Any]):
    """JSON documents (jsonb where the database has it, else text), written with orjson."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        return dialect.type_descriptor(stored_forms_for(dialect).json.impl)

    #: Bound values go to the stored form as they are (`Timestamp.normalise`'s counterpart).
    normalise = None

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else stored_forms_for(dialect).json.to_db(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else stored_forms_for(dialect).json.from_db(value)


class Uuid(TypeDecorator[uuid.UUID]):
    """UUIDs (native uuid where the database has one, else canonical 36-character text)."""

    impl = sa.String(36)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        return dialect.type_descriptor(stored_forms_for(dialect).uuid.impl)

    @staticmethod
    def normalise(value: Any) -> uuid.UUID:
        """The `UUID` a bound value (a UUID or its text, never None) stands for."""
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else stored_forms_for(dialect).uuid.to_db(self.normalise(value))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> uuid.UUID | None:
        return None if value is None else stored_forms_for(dialect).uuid.from_db(value)
