"""SQLite's forms of the statements that differ between databases."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from prefect_core.ports import WorkerRunQuery
from prefect_storage_sql.dialect import register_dialect_support
from prefect_storage_sql.repositories.run_history import at_least_zero, seconds_between
from prefect_storage_sql.stored_forms import TEXT_FORMS
from prefect_storage_sqlite import worker_runs


class SqliteSupport:
    """Implements `prefect_storage_sql.dialect.SqlDialectSupport` for SQLite."""

    name = "sqlite"
    stored_forms = TEXT_FORMS
    locks_rows = False
    writes_in_ctes = False

    def insert_ignoring_conflicts(self, table: sa.Table, index_elements: Sequence[str]) -> sa.Insert:
        # `INSERT OR IGNORE` rather than `ON CONFLICT (...) DO NOTHING`: SQLAlchemy cannot
        # cache the compiled form of the latter, and recompiling it on every insert cost
        # more than the insert itself. The difference (OR IGNORE also skips a row that
        # collides on another unique key) cannot arise: ids are fresh UUIDs.
        return sa.insert(table).prefix_with("OR IGNORE")

    def lock_for_update(self, stmt: sa.Select[Any], of: sa.Table | None = None) -> sa.Select[Any]:
        # Write transactions start with BEGIN IMMEDIATE and hold the database's
        # write lock until commit, which already excludes other writers.
        return stmt

    def is_one_of(self, column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
        # SQLite prepares a statement in microseconds, so a text per list length costs little.
        return column.in_(sa.bindparam(name, expanding=True, type_=column.type))

    def _has(self, column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
        each = sa.func.json_each(column).table_valued("value")
        exact = sa.exists(sa.select(sa.literal(1)).select_from(each).where(each.c.value == value))
        return sa.and_(_text_contains(column, value), exact) if _PLAIN.fullmatch(value) else exact

    def json_array_contains_all(self, column: sa.ColumnElement[Any], values: Sequence[str]) -> sa.ColumnElement[bool]:
        return sa.and_(*(self._has(column, v) for v in values))

    def json_array_contains_any(self, column: sa.ColumnElement[Any], values: Sequence[str]) -> sa.ColumnElement[bool]:
        each = sa.func.json_each(column).table_valued("value")
        exact = sa.exists(sa.select(sa.literal(1)).select_from(each).where(each.c.value.in_(list(values))))
        if values and all(_PLAIN.fullmatch(v) for v in values):
            return sa.and_(sa.or_(*(_text_contains(column, v) for v in values)), exact)
        return exact

    def json_array_is_empty(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        return sa.or_(column.is_(None), sa.func.json_array_length(column) == 0)

    def floor_of_nonnegative(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        # CAST truncates toward zero, which is the floor of a non-negative number; floor()
        # itself exists only where SQLite was built with its math functions.
        return sa.cast(value, sa.Integer)

    def scheduled_runs_to_claim(self, query: WorkerRunQuery) -> sa.Select[Any]:
        return worker_runs.scheduled_runs_to_claim(query)


#: Strings every JSON writer spells the same, as `"` + the string + `"` (no escapes: no quote,
#: backslash, slash, control, HTML-sensitive or non-ASCII character).
_PLAIN = re.compile(r"[ !#-%'-.0-;=?-\[\]-~]*")


def _text_contains(column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
    """A cheap pre-check of "the JSON array `column` has the string `value`": its text holds
    `"value"`. Never false where the exact check (json_each) is true, so the two together
    give the exact check's rows, json_each running only on the rows that pass this one."""
    return sa.func.instr(column, f'"{value}"') > 0


@compiles(seconds_between, "sqlite")
def _seconds_between(element: seconds_between, compiler: Any, **kw: Any) -> str:
    # Timestamps are stored as `YYYY-MM-DDTHH:MM:SS.ffffffZ`: whole seconds through
    # unixepoch() / strftime('%s') of the first 19 characters (exact), the fraction from the
    # text itself. (Either of the whole text would round the fraction to milliseconds, and a
    # fraction of .9995 or more up into the next second.)
    # unixepoch() (SQLite 3.38+) parses about twice as fast as strftime('%s') and casting.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    seconds = _EPOCH_SECONDS
    return (
        f"(({seconds.format(f'substr({later}, 1, 19)')} - {seconds.format(f'substr({earlier}, 1, 19)')})"
        f" + (CAST(substr({later}, 20, 7) AS REAL) - CAST(substr({earlier}, 20, 7) AS REAL)))"
    )


_EPOCH_SECONDS = "unixepoch({})" if sqlite3.sqlite_version_info >= (3, 38, 0) else "CAST(strftime('%s', {}) AS INTEGER)"


@compiles(at_least_zero, "sqlite")
def _at_least_zero(element: at_least_zero, compiler: Any, **kw: Any) -> str:
    (value,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"max({value}, 0.0)"  # SQLite's scalar max of two values


register_dialect_support(SqliteSupport())
