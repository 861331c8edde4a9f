"""What a SQL plugin tells the shared kit about its database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from prefect_storage_sql.stored_forms import TEXT_FORMS, StoredForms

if TYPE_CHECKING:
    from prefect_core.ports import WorkerRunQuery


class SqlDialectSupport(Protocol):
    """The few statements whose SQL differs between databases."""

    #: The SQLAlchemy dialect's name: "sqlite", "postgresql", ...
    name: str
    #: How timestamps, JSON and UUIDs are stored (`prefect_storage_sql.stored_forms`).
    stored_forms: StoredForms
    #: Whether `lock_for_update` takes row locks (False where a write transaction
    #: already excludes every other writer, as SQLite's BEGIN IMMEDIATE does).
    locks_rows: bool
    #: Whether one statement may carry writes to several tables (data-modifying CTEs,
    #: `WITH ... AS (INSERT ...) UPDATE ...`): one round trip instead of two where each
    #: statement is one (PostgreSQL); False where it may not (SQLite, which sends such
    #: writes together in one thread hop instead: `execute_unread`).
    writes_in_ctes: bool

    def insert_ignoring_conflicts(self, table: sa.Table, index_elements: Sequence[str]) -> sa.Insert:
        """`INSERT ... ON CONFLICT (index_elements) DO NOTHING` for `table`."""
        ...

    def lock_for_update(self, stmt: sa.Select[Any], of: sa.Table | None = None) -> sa.Select[Any]:
        """Lock the selected rows (of table `of`, when the select joins others) until
        commit (`FOR UPDATE`), or leave the statement alone where the whole write
        transaction already holds the lock."""
        ...

    def is_one_of(self, column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
        """True where `column` equals one of the values of the list bound as `name`: one
        statement whatever the list's length where the database takes a list as one
        parameter (`= ANY($1)`), an expanding `IN` elsewhere (a statement per length)."""
        ...

    def json_array_contains_all(self, column: sa.ColumnElement[Any], values: Sequence[str]) -> sa.ColumnElement[bool]:
        """True where the JSON array in `column` holds every one of `values`."""
        ...

    def json_array_contains_any(self, column: sa.ColumnElement[Any], values: Sequence[str]) -> sa.ColumnElement[bool]:
        """True where the JSON array in `column` holds at least one of `values`."""
        ...

    def json_array_is_empty(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """True where the JSON array in `column` is empty (or NULL)."""
        ...

    def floor_of_nonnegative(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        """The largest integer not above `value` (which is never negative), as an integer."""
        ...

    def scheduled_runs_to_claim(self, query: WorkerRunQuery) -> sa.Select[Any]:
        """The worker poll: (work_pool_id, work_queue_id, flow_run_id) of due runs,
        best first, within queue limits, such that a concurrent execution of the
        same statement in another write transaction never returns the same run
        (see `prefect_storage_sql.worker_runs`)."""
        ...


#: Stored forms by SQLAlchemy dialect name; "default" is SQLAlchemy's generic
#: compiler (`str(statement)`), which only ever renders text.
_STORED_FORMS: dict[str, StoredForms] = {"default": TEXT_FORMS}


def register_dialect_support(support: SqlDialectSupport) -> None:
    """Make `support`'s stored forms the ones the column types use on its dialect.

    A plugin's dialect module calls this on import, before anything compiles a
    statement or DDL for that database.
    """
    _STORED_FORMS[support.name] = support.stored_forms


def stored_forms_for(dialect: sa.Dialect) -> StoredForms:
    """The stored forms registered for `dialect`; a clear error when none is."""
    try:
        return _STORED_FORMS[dialect.name]
    except KeyError:
        raise LookupError(
            f"no SqlDialectSupport registered for the {dialect.name!r} dialect "
            "(prefect_storage_sql.dialect.register_dialect_support)"
        ) from None
