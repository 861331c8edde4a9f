"""What every SQL repository shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_storage_sql.dialect import SqlDialectSupport
from prefect_storage_sql.engine import SqlConnection

#: Statements built once and executed with bound parameters. Building a SQLAlchemy
#: statement and deriving its cache key costs ~10x executing a prebuilt one, so the
#: hot paths (reads by id, state writes) must not rebuild theirs per call.
_PREBUILT: dict[tuple[Any, ...], Any] = {}


def prebuilt(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """The statement cached under `key`, built by `build()` on first use."""
    stmt = _PREBUILT.get(key)
    if stmt is None:
        stmt = _PREBUILT[key] = build()
    return stmt


def by_id(table: sa.Table) -> sa.ColumnElement[bool]:
    """`table.id = :_row_id` (named apart from the columns an UPDATE may set)."""
    return table.c.id == sa.bindparam("_row_id", type_=table.c.id.type)


async def execute_unread(conn: Any, statement: Any, parameters: Any = None) -> None:
    """Execute a write whose result the caller never reads (no rowcount, no rows).

    An engine that can (SQLite's: `SqliteConnection.defer`) sends it together with the
    connection's next statement or its COMMIT, one thread hop fewer; any other executes it
    now. Its error, if any, then comes from that later call, inside the same unit of work,
    so a caller must not expect to catch it here (none of the callers does).
    """
    defer = getattr(conn, "defer", None)
    if defer is None:
        await conn.execute(statement, parameters)
    else:
        await defer(statement, parameters)


class SqlRepository:
    def __init__(self, conn: SqlConnection, support: SqlDialectSupport) -> None:
        self.conn = conn
        self.support = support

    async def _update_by_id(self, table: sa.Table, row_id: Any, values: dict[str, Any]) -> bool:
        # The SET clause follows the parameter keys, so one statement serves every update.
        stmt = prebuilt(("update", table.name), lambda: sa.update(table).where(by_id(table)))
        result = await self.conn.execute(stmt, {**values, "updated": timeutil.now(), "_row_id": row_id})
        return result.rowcount > 0

    async def _update_unread(self, table: sa.Table, row_id: Any, values: dict[str, Any]) -> None:
        """`_update_by_id` for a caller that does not need to know whether the row exists
        (`execute_unread`: on SQLite, sent with the next statement or the COMMIT); an
        `updated` in `values` is the one written (the caller answers with it), else now."""
        stmt = prebuilt(("update", table.name), lambda: sa.update(table).where(by_id(table)))
        await execute_unread(self.conn, stmt, {"updated": timeutil.now(), **values, "_row_id": row_id})

    async def _delete_by_id(self, table: sa.Table, row_id: Any) -> bool:
        stmt = prebuilt(("delete", table.name), lambda: sa.delete(table).where(by_id(table)))
        result = await self.conn.execute(stmt, {"_row_id": row_id})
        return result.rowcount > 0

    async def _count(self, stmt: sa.Select[Any]) -> int:
        counted = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        return int((await self.conn.execute(counted)).scalar_one())


def unpolled(table: sa.Table, ready: str) -> sa.Select[Any]:
    """The ids of `table`'s rows in status `ready` not polled since `:_polled_before` (or never):
    what the readiness loops of deployments and work queues look for, to build once."""
    polled_before = sa.bindparam("_polled_before", type_=table.c.last_polled.type)
    return sa.select(table.c.id).where(
        table.c.status == ready, sa.or_(table.c.last_polled.is_(None), table.c.last_polled < polled_before)
    )


def no_criteria(filters: Any) -> bool:
    """True when a filter body names no criterion at all (the common "list everything")."""
    for name in ("flows", "flow_runs", "task_runs", "deployments", "work_pools", "work_pool_queues", "work_queues"):
        value = getattr(filters, name, None)
        if value is not None and (not hasattr(value, "criteria") or value.criteria()):
            return False
    return True


#: The largest LIMIT written into a page's SQL as a number; larger ones, and every OFFSET
#: but 0, are bound. PostgreSQL plans a bound LIMIT for a guessed 10 % of the rows, a plan
#: it then judges too costly to reuse, so it planned `POST /flow_runs/filter {"limit":10}`
#: again at every call (0.4 ms of planning for 0.1 ms of execution, at 20,000 runs); with
#: the number in the text it keeps one plan. A bound keeps the texts per statement few.
LITERAL_LIMIT_MAX = 200


def _limit_clause(limit: int) -> Any:
    """`limit` as a number in the SQL when small enough (`LITERAL_LIMIT_MAX`), else bound."""
    return sa.literal_column(str(int(limit))) if 0 < limit <= LITERAL_LIMIT_MAX else limit


def page(stmt: sa.Select[Any], offset: int, limit: int | None) -> sa.Select[Any]:
    """Apply offset/limit (None: no limit); a small limit is written as a number
    (`LITERAL_LIMIT_MAX`)."""
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(_limit_clause(limit))
    return stmt


def paged(
    key: tuple[Any, ...],
    select: Callable[[], sa.Select[Any]],
    offset: int,
    limit: int,
    wrap: Callable[[sa.Select[Any]], sa.Select[Any]] = lambda q: q,
) -> tuple[sa.Select[Any], dict[str, int]]:
    """The prebuilt statement `wrap(page of select())` for this page, and the values it binds
    (both callables run only when the statement is first built).

    A first page of up to `LITERAL_LIMIT_MAX` rows gets a statement of its own with the
    limit written in (so at most that many per key); any other page binds `:_offset` and
    `:_limit`.
    """
    if offset == 0 and 0 < limit <= LITERAL_LIMIT_MAX:
        return prebuilt((*key, "first", limit), lambda: wrap(select().limit(_limit_clause(limit)))), {}
    stmt = prebuilt(key, lambda: wrap(select().offset(sa.bindparam("_offset")).limit(sa.bindparam("_limit"))))
    return stmt, {"_offset": offset, "_limit": limit}
