"""What flow-run and task-run repositories share: rows joined with their current state."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar
from uuid import UUID

import sqlalchemy as sa
from pydantic import BaseModel

from prefect_core import run_facts, timeutil
from prefect_core.ports.run_filters import HistoryCount
from prefect_core.schemas.states import State
from prefect_storage_sql.repositories.base import SqlRepository, by_id, no_criteria, page, paged, prebuilt
from prefect_storage_sql.repositories.run_documents import DocumentShape
from prefect_storage_sql.repositories.run_filter_shapes import condition_for, shape_of
from prefect_storage_sql.repositories.run_history import history_counts, history_select

M = TypeVar("M", bound=BaseModel)

_STATE_COLUMNS = ("id", "type", "name", "timestamp", "message", "state_details", "data")
#: Columns the model computes or the table does not hold.
_NOT_STORED = {"state", "estimated_run_time", "estimated_start_time_delta", "work_pool_id", "work_pool_name"}


def state_from_row(mapping: Any, prefix: str = "") -> State | None:
    if mapping[f"{prefix}id"] is None:
        return None
    return State.model_validate({c: mapping[f"{prefix}{c}"] for c in _STATE_COLUMNS})


class RunRepository(SqlRepository, Generic[M]):
    """Shared reads and writes of a run table (`flow_run` or `task_run`)."""

    table: sa.Table
    state_table: sa.Table
    model: type[M]
    sorts: dict[Any, tuple[Any, ...]]
    #: Whether common filter shapes run prebuilt (`run_filter_shapes`: flow-run filters).
    filter_shapes = False

    def _select(self) -> sa.Select[Any]:
        s = self.state_table
        state_cols = [s.c[c].label(f"state__{c}") for c in _STATE_COLUMNS]
        return sa.select(self.table, *state_cols).select_from(self.table.outerjoin(s, s.c.id == self.table.c.state_id))

    def _to_model(self, row: sa.Row[Any]) -> M:
        m = row._mapping
        data = {c.name: m[c.name] for c in self.table.columns}
        data["state"] = state_from_row(m, "state__")
        data.update(self._computed(data))
        return self.model.model_validate(data)

    _shapes: dict[tuple[str, ...], DocumentShape]

    def _to_document(self, row: Any) -> dict[str, Any]:
        """The row as the JSON-ready dict its model serialises to, without building the model
        (see `run_documents`; the hot list and read endpoints answer these)."""
        shapes = type(self).__dict__.get("_shapes")
        if shapes is None:
            shapes = type(self)._shapes = {}
        shape = shapes.get(row._fields)
        if shape is None:
            shape = shapes[row._fields] = DocumentShape(self.model, set(self.table.c.keys()), row._fields)
        return shape.document(row, timeutil.now())

    def _computed(self, data: dict[str, Any]) -> dict[str, Any]:
        """Fields derived at read time, as the core defines them (`prefect_core.run_facts`)."""
        return run_facts.read_time_fields(
            data.get("total_run_time"),
            data.get("state_type"),
            data.get("state_timestamp"),
            data.get("expected_start_time"),
            data.get("start_time"),
            timeutil.now(),
        )

    def _row_values(self, run: M) -> dict[str, Any]:
        data = run.model_dump(exclude=_NOT_STORED)
        values = {k: v for k, v in data.items() if k in self.table.c}
        for key in ("empirical_policy", "created_by"):
            if key in values and isinstance(getattr(run, key, None), BaseModel):
                values[key] = getattr(run, key).model_dump(mode="json")
        if "task_inputs" in values:
            values["task_inputs"] = run.model_dump(mode="json", include={"task_inputs"})["task_inputs"]
        now = timeutil.now()
        values["created"] = values.get("created") or now
        values["updated"] = now
        return values

    async def get(self, run_id: UUID, *, for_update: bool = False) -> M | None:
        if for_update and self.support.locks_rows:
            # One statement locks the run and reads it with its state. Under READ COMMITTED
            # a locking select that had to wait for another writer re-reads only the locked
            # row, not the state joined to it: if that writer changed the run's state, the
            # joined state is not the run's current one (state rows never change, so a
            # joined state whose id is the run's `state_id` is current). Then, and when no
            # row came back, lock first and read in a statement of its own.
            locked_read = prebuilt(
                (type(self), "get_locked", self.support.name),
                lambda: self.support.lock_for_update(self._select().where(by_id(self.table)), of=self.table),
            )
            row = (await self.conn.execute(locked_read, {"_row_id": run_id})).first()
            if row is not None and row._mapping["state_id"] == row._mapping["state__id"]:
                return self._to_model(row)
            lock = prebuilt(
                (type(self), "lock", self.support.name),
                lambda: self.support.lock_for_update(sa.select(self.table.c.id).where(by_id(self.table))),
            )
            if (await self.conn.execute(lock, {"_row_id": run_id})).first() is None:
                return None
        stmt = prebuilt((type(self), "get"), lambda: self._select().where(by_id(self.table)))
        row = (await self.conn.execute(stmt, {"_row_id": run_id})).first()
        return self._to_model(row) if row else None

    async def exists(self, run_id: UUID) -> bool:
        stmt = prebuilt((type(self), "exists"), lambda: sa.select(self.table.c.id).where(by_id(self.table)))
        return (await self.conn.execute(stmt, {"_row_id": run_id})).first() is not None

    async def get_document(self, run_id: UUID) -> dict[str, Any] | None:
        """The run as a JSON-ready document (`_to_document`), or None."""
        stmt = prebuilt((type(self), "get"), lambda: self._select().where(by_id(self.table)))
        row = (await self.conn.execute(stmt, {"_row_id": run_id})).first()
        return self._to_document(row) if row else None

    async def update(self, run_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(self.table, run_id, values)

    async def delete(self, run_id: UUID) -> bool:
        return await self._delete_by_id(self.table, run_id)

    def _matching(self, filters: Any) -> sa.ColumnElement[bool]:
        raise NotImplementedError

    def matching(self, filters: Any) -> sa.ColumnElement[bool]:
        """The WHERE condition of this table's rows matching a run filter body."""
        return self._matching(filters)

    def _deferred_page(self, ids: sa.Select[Any], sort: Any) -> sa.Select[Any]:
        """The whole rows (state and joins included) of the page `ids` selects, in `sort` order.

        A "deferred join": the page's ids come first, from the sort's index alone (the
        `(expected_start_time, id)` index covers the default sorts), so the rows an offset
        skips are index entries passed over, not rows read, joined and sorted; only the
        page's own rows are then read and joined. The order is the same one (the sort, then
        the id) in both queries, so the page is the one the single query would return."""
        order = (*self.sorts[sort], self.table.c.id)
        return self._select().where(self.table.c.id.in_(ids.order_by(*order))).order_by(*order)

    async def _page_rows(self, filters: Any, sort: Any, offset: int, limit: int | None) -> Any:
        ids = sa.select(self.table.c.id)
        if no_criteria(filters) and limit is not None:
            stmt, bounds = paged(
                (type(self), "list", sort), lambda: ids, offset, limit, lambda q: self._deferred_page(q, sort)
            )
            return await self.conn.execute(stmt, bounds)
        shaped = shape_of(filters) if self.filter_shapes and limit is not None else None
        if shaped is not None and limit is not None:
            # A common filter shape: its statement is built once, the values bound per call.
            shape, values = shaped
            stmt, bounds = paged(
                (type(self), "shape", shape, sort),
                lambda: ids.where(condition_for(shape)),
                offset,
                limit,
                lambda q: self._deferred_page(q, sort),
            )
            return await self.conn.execute(stmt, {**values, **bounds})
        if limit is None and not offset:
            # No page to cut: one query, nothing for the ids-first form to save.
            base = prebuilt((type(self), "select"), self._select)  # generative: `where` copies it
            stmt = base.where(self._matching(filters)).order_by(*self.sorts[sort], self.table.c.id)
            return await self.conn.execute(stmt)
        return await self.conn.execute(
            self._deferred_page(page(ids.where(self._matching(filters)), offset, limit), sort)
        )

    async def filter(self, filters: Any, sort: Any, offset: int, limit: int | None) -> list[M]:
        return [self._to_model(row) for row in await self._page_rows(filters, sort, offset, limit)]

    async def filter_documents(self, filters: Any, sort: Any, offset: int, limit: int | None) -> list[dict[str, Any]]:
        """`filter`'s page as JSON-ready documents (`_to_document`)."""
        return [self._to_document(row) for row in await self._page_rows(filters, sort, offset, limit)]

    async def history(
        self, filters: Any, start: dt.datetime, interval_seconds: float, count: int, now: dt.datetime
    ) -> list[HistoryCount]:
        """Runs per interval and state, counted and summed by the database (`run_history`)."""
        stmt = history_select(self.table, self._matching(filters), self.support, start, interval_seconds, count, now)
        return history_counts(await self.conn.execute(stmt), count)

    async def count(self, filters: Any) -> int:
        stmt = sa.select(sa.func.count()).select_from(self.table).where(self._matching(filters))
        return int((await self.conn.execute(stmt)).scalar_one())
