"""Automations and the resources they relate to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.schemas.automations import Automation, AutomationSort
from prefect_core.schemas.filters.automations import AutomationFilter
from prefect_storage_sql import tables
from prefect_storage_sql.filters.automations import automation_condition
from prefect_storage_sql.repositories.base import SqlRepository, page, prebuilt

t = tables.automation
r = tables.automation_related_resource

_SORTS: dict[AutomationSort, list[sa.ColumnElement[Any]]] = {
    AutomationSort.CREATED_DESC: [t.c.created.desc(), t.c.id],
    AutomationSort.UPDATED_DESC: [t.c.updated.desc(), t.c.id],
    AutomationSort.NAME_ASC: [t.c.name.asc(), t.c.id],
    AutomationSort.NAME_DESC: [t.c.name.desc(), t.c.id],
}


def _row(automation: Automation) -> dict[str, Any]:
    data = automation.model_dump(mode="json")
    return {
        "name": automation.name,
        "description": automation.description,
        "enabled": automation.enabled,
        "tags": list(automation.tags),
        "trigger": data["trigger"],
        "actions": data["actions"],
        "actions_on_trigger": data["actions_on_trigger"],
        "actions_on_resolve": data["actions_on_resolve"],
    }


def _model(row: Any) -> Automation:
    return Automation.model_validate(dict(row._mapping))


class SqlAutomationRepository(SqlRepository):
    async def create(self, automation: Automation) -> Automation:
        now = timeutil.now()
        stored = automation.model_copy(update={"created": now, "updated": now})
        await self.conn.execute(sa.insert(t).values(id=stored.id, created=now, updated=now, **_row(stored)))
        return stored

    async def get(self, automation_id: UUID) -> Automation | None:
        row = (await self.conn.execute(sa.select(t).where(t.c.id == automation_id))).one_or_none()
        return None if row is None else _model(row)

    async def replace(self, automation: Automation) -> bool:
        return await self._update_by_id(t, automation.id, _row(automation))

    async def set_enabled(self, automation_id: UUID, enabled: bool) -> bool:
        return await self._update_by_id(t, automation_id, {"enabled": enabled})

    async def delete(self, automation_id: UUID) -> bool:
        return await self._delete_by_id(t, automation_id)

    def _select(self, flt: AutomationFilter | None) -> sa.Select[Any]:
        return sa.select(t).where(automation_condition(flt, self.support))

    async def filter(
        self, flt: AutomationFilter | None, sort: AutomationSort, offset: int, limit: int | None
    ) -> list[Automation]:
        stmt = page(self._select(flt).order_by(*_SORTS[sort]), offset, limit)
        return [_model(row) for row in await self.conn.execute(stmt)]

    async def count(self, flt: AutomationFilter | None) -> int:
        return await self._count(self._select(flt))

    async def lock(self, automation_ids: Sequence[UUID]) -> set[UUID]:
        wanted = sorted(set(automation_ids))
        if not wanted or not self.support.locks_rows:
            # SQLite: the write transaction already excludes every other writer.
            return set(wanted)
        stmt = self.support.lock_for_update(sa.select(t.c.id).where(t.c.id.in_(wanted)).order_by(t.c.id))
        return {row[0] for row in await self.conn.execute(stmt)}

    async def enabled(self) -> list[Automation]:
        # Built once: the triggers' loops ask for it every few seconds.
        stmt = prebuilt(
            ("automation", "enabled"), lambda: sa.select(t).where(t.c.enabled.is_(True)).order_by(t.c.created, t.c.id)
        )
        return [_model(row) for row in await self.conn.execute(stmt)]

    async def relate(self, automation_id: UUID, resource_id: str, owned: bool) -> None:
        now = timeutil.now()
        insert = self.support.insert_ignoring_conflicts(r, ["automation_id", "resource_id"])
        row = {
            "id": uuid7(),
            "created": now,
            "updated": now,
            "automation_id": automation_id,
            "resource_id": resource_id,
            "owned_by_resource": owned,
        }
        if not (await self.conn.execute(insert, row)).rowcount and owned:
            await self.conn.execute(
                sa.update(r)
                .where(r.c.automation_id == automation_id, r.c.resource_id == resource_id)
                .values(owned_by_resource=True, updated=now)
            )

    async def related_to(self, resource_id: str) -> list[Automation]:
        related = sa.select(r.c.automation_id).where(r.c.resource_id == resource_id)
        stmt = sa.select(t).where(t.c.id.in_(related)).order_by(t.c.created, t.c.id)
        return [_model(row) for row in await self.conn.execute(stmt)]

    async def delete_owned_by(self, resource_id: str, created_before: dt.datetime) -> int:
        owned = sa.select(r.c.automation_id).where(r.c.resource_id == resource_id, r.c.owned_by_resource.is_(True))
        stmt = sa.delete(t).where(t.c.id.in_(owned), t.c.created < created_before)
        return (await self.conn.execute(stmt)).rowcount
