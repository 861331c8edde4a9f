"""PostgreSQL's forms of the statements that differ between databases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert

from prefect_core import timeutil
from prefect_core.ports import WorkerRunQuery
from prefect_storage_postgres import worker_runs
from prefect_storage_sql.dialect import register_dialect_support
from prefect_storage_sql.stored_forms import StoredForm, StoredForms, unchanged

#: Native types; asyncpg converts datetimes, UUIDs and (via the engine's JSON codec) jsonb.
NATIVE_FORMS = StoredForms(
    timestamp=StoredForm(postgresql.TIMESTAMP(timezone=True), unchanged, timeutil.to_utc),
    # Bound as text and cast, so the driver needs no JSON codec of its own. The driver
    # has decoded jsonb already when it returns: a str then is a JSON string value.
    json=StoredForm(postgresql.JSONB(none_as_null=True), unchanged, unchanged),
    uuid=StoredForm(postgresql.UUID(as_uuid=True), unchanged, unchanged),
)


def _jsonb(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # The shared `Json` type compares like text; coerce to JSONB to get its operators.
    return sa.type_coerce(column, postgresql.JSONB(none_as_null=True))


class PostgresSupport:
    """Implements `prefect_storage_sql.dialect.SqlDialectSupport` for PostgreSQL."""

    name = "postgresql"
    stored_forms = NATIVE_FORMS
    locks_rows = True
    writes_in_ctes = True

    def insert_ignoring_conflicts(self, table: sa.Table, index_elements: Sequence[str]) -> sa.Insert:
        return pg_insert(table).on_conflict_do_nothing(index_elements=list(index_elements))

    def lock_for_update(self, stmt: sa.Select[Any], of: sa.Table | None = None) -> sa.Select[Any]:
        # Row lock held until commit: a second writer of the same run waits here.
        # `OF table`: a select that outer-joins other tables locks only this one's rows.
        return stmt.with_for_update(of=of) if of is not None else stmt.with_for_update()

    def is_one_of(self, column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
        # One array parameter: one prepared statement for every list length (an expanding
        # IN is a new statement, so a new preparation on each connection, per length).
        return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))

    def json_array_contains_all(self, column: sa.ColumnElement[Any], values: Sequence[str]) -> sa.ColumnElement[bool]:
        # tags @> '["a", "b"]'
        return _jsonb(column).contains(list(values))

    def json_array_contains_any(self, column: sa.ColumnElement[Any], values: Sequence[str]) -> sa.ColumnElement[bool]:
        # tags ?| ARRAY['a', 'b']: true if any string is a top-level array element
        return _jsonb(column).has_any(sa.bindparam(None, list(values), type_=postgresql.ARRAY(sa.Text)))

    def json_array_is_empty(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        # Equality rather than jsonb_array_length, which raises on a non-array value.
        return sa.or_(column.is_(None), _jsonb(column) == sa.literal_column("'[]'::jsonb"))

    def floor_of_nonnegative(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        # A cast alone would round.
        return sa.cast(sa.func.floor(value), sa.Integer)

    def scheduled_runs_to_claim(self, query: WorkerRunQuery) -> sa.Select[Any]:
        return worker_runs.scheduled_runs_to_claim(query)


register_dialect_support(PostgresSupport())
