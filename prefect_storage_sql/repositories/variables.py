"""Variables."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.schemas.filters.variables import VariableFilter
from prefect_core.schemas.variables import Variable, VariableSort
from prefect_storage_sql import tables
from prefect_storage_sql.filters.variables import variable_condition
from prefect_storage_sql.repositories.base import SqlRepository, by_id, page, prebuilt

t = tables.variable

_SORTS = {
    VariableSort.CREATED_DESC: (t.c.created.desc(), t.c.id.desc()),
    VariableSort.UPDATED_DESC: (t.c.updated.desc(), t.c.id.desc()),
    VariableSort.NAME_ASC: (t.c.name.asc(),),
    VariableSort.NAME_DESC: (t.c.name.desc(),),
}


def _to_variable(row: sa.Row[Any]) -> Variable:
    return Variable.model_validate(row._mapping)


class SqlVariableRepository(SqlRepository):
    async def insert(self, variable: Variable) -> bool:
        now = timeutil.now()
        stmt = prebuilt(
            ("variable", "insert", self.support.name), lambda: self.support.insert_ignoring_conflicts(t, ["name"])
        )
        values = {"id": variable.id, "created": now, "updated": now, "name": variable.name}
        result = await self.conn.execute(stmt, {**values, "value": variable.value, "tags": variable.tags})
        return result.rowcount > 0

    async def get(self, variable_id: UUID) -> Variable | None:
        stmt = prebuilt(("variable", "get"), lambda: sa.select(t).where(by_id(t)))
        row = (await self.conn.execute(stmt, {"_row_id": variable_id})).first()
        return _to_variable(row) if row else None

    async def get_by_name(self, name: str) -> Variable | None:
        stmt = prebuilt(("variable", "by_name"), lambda: sa.select(t).where(t.c.name == sa.bindparam("_name")))
        row = (await self.conn.execute(stmt, {"_name": name})).first()
        return _to_variable(row) if row else None

    async def update(self, variable_id: UUID, values: dict[str, Any]) -> bool:
        return await self._update_by_id(t, variable_id, values)

    async def delete(self, variable_id: UUID) -> bool:
        return await self._delete_by_id(t, variable_id)

    async def filter(
        self, flt: VariableFilter | None, sort: VariableSort, offset: int, limit: int | None
    ) -> list[Variable]:
        stmt = sa.select(t).where(variable_condition(flt, self.support)).order_by(*_SORTS[sort])
        return [_to_variable(row) for row in await self.conn.execute(page(stmt, offset, limit))]

    async def count(self, flt: VariableFilter | None) -> int:
        stmt = sa.select(sa.func.count()).select_from(t).where(variable_condition(flt, self.support))
        return int((await self.conn.execute(stmt)).scalar_one())
