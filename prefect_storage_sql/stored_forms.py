"""How the portable column types of `prefect_storage_sql.types` are stored on a database.

A database's `SqlDialectSupport` names its `StoredForms`: the column type each
portable type compiles to there, and how a value crosses to and from the driver.
`TEXT_FORMS` suits any database without native types for them (SQLite stores
timestamps, JSON and UUIDs as text); PostgreSQL's plugin defines native forms.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from prefect_core import timeutil


@dataclass(frozen=True)
class StoredForm:
    """One portable type on one database. The converters never see None."""

    #: The column type it compiles to.
    impl: sa.types.TypeEngine[Any]
    #: From the Python value (an aware UTC datetime, a JSON-able value, a UUID) to the driver's.
    to_db: Callable[[Any], Any]
    #: From what the driver returns to the Python value.
    from_db: Callable[[Any], Any]


@dataclass(frozen=True)
class StoredForms:
    timestamp: StoredForm
    json: StoredForm
    uuid: StoredForm


def unchanged(value: Any) -> Any:
    """The converter of a form whose driver converts by itself."""
    return value


def dumps(value: Any) -> str:
    """JSON text as every backend writes it (orjson; non-string keys allowed)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _timestamp_from_text(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return timeutil.to_utc(value)
    try:
        # What we store ("...Z", UTC): Python 3.11 parses it directly.
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return timeutil.parse(value)


def _json_from_text(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


def _uuid_from_text(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


#: Fixed-width ISO-8601 UTC text (`2024-01-22T15:30:45.123456Z`, so text order is
#: time order), JSON text, canonical 36-character UUID text.
TEXT_FORMS = StoredForms(
    timestamp=StoredForm(sa.String(32), timeutil.isoformat, _timestamp_from_text),
    json=StoredForm(sa.Text(), dumps, _json_from_text),
    uuid=StoredForm(sa.String(36), str, _uuid_from_text),
)
