"""Leases on concurrency limit slots, one row each, with the limits they hold in a link table.

A lease is released by deleting its row with `DELETE ... RETURNING`: of two racing
releases (its holder and the repossessor, or two servers' repossessors) only the one
whose delete returned the row gives its slots back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prefect_core.schemas.concurrency_limits import ConcurrencyLease, ConcurrencyLeaseHolder
from prefect_storage_sql.repositories.base import SqlRepository, by_id, prebuilt
from prefect_storage_sql.tables import concurrency_lease as lease_t
from prefect_storage_sql.tables import concurrency_lease_limit as link_t
from prefect_storage_sql.types import Timestamp

_STAMP = Timestamp()


def _to_lease(row: sa.Row[Any], limit_ids: list[UUID]) -> ConcurrencyLease:
    m = row._mapping
    holder = ConcurrencyLeaseHolder(type=m["holder_type"], id=m["holder_id"]) if m["holder_type"] else None
    return ConcurrencyLease(
        id=m["id"],
        limit_ids=limit_ids,
        slots=m["slots"],
        created=m["created"],
        expiration=m["expiration"],
        holder=holder,
    )


class SqlConcurrencyLeaseRepository(SqlRepository):
    """Implements `prefect_core.ports.concurrency_limits.ConcurrencyLeaseRepository`."""

    async def insert(self, lease: ConcurrencyLease) -> None:
        holder = lease.holder
        stmt = prebuilt(("clease", "insert"), lambda: sa.insert(lease_t))
        await self.conn.execute(
            stmt,
            {
                "id": lease.id,
                "created": lease.created,
                "expiration": lease.expiration,
                "slots": lease.slots,
                "holder_type": holder.type if holder else None,
                "holder_id": holder.id if holder else None,
            },
        )
        if lease.limit_ids:
            link = prebuilt(("clease", "insert_links"), lambda: sa.insert(link_t))
            await self.conn.execute(
                link, [{"lease_id": lease.id, "limit_id": i} for i in dict.fromkeys(lease.limit_ids)]
            )

    async def _limit_ids(self, lease_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
        out: dict[UUID, list[UUID]] = defaultdict(list)
        if not lease_ids:
            return out
        stmt = prebuilt(
            ("clease", "links"),
            lambda: (
                sa.select(link_t.c.lease_id, link_t.c.limit_id)
                .where(link_t.c.lease_id.in_(sa.bindparam("_ids", expanding=True)))
                .order_by(link_t.c.lease_id, link_t.c.limit_id)
            ),
        )
        for lease_id, limit_id in await self.conn.execute(stmt, {"_ids": list(lease_ids)}):
            out[lease_id].append(limit_id)
        return out

    async def _with_limits(self, rows: Sequence[sa.Row[Any]]) -> list[ConcurrencyLease]:
        links = await self._limit_ids([row.id for row in rows])
        return [_to_lease(row, links.get(row.id, [])) for row in rows]

    async def get(self, lease_id: UUID) -> ConcurrencyLease | None:
        stmt = prebuilt(("clease", "get"), lambda: sa.select(lease_t).where(by_id(lease_t)))
        row = (await self.conn.execute(stmt, {"_row_id": lease_id})).first()
        return (await self._with_limits([row]))[0] if row else None

    async def renew(self, lease_id: UUID, expiration: dt.datetime, now: dt.datetime) -> bool:
        stmt = prebuilt(
            ("clease", "renew"),
            lambda: (
                sa.update(lease_t)
                .where(by_id(lease_t), lease_t.c.expiration > sa.bindparam("_now", type_=_STAMP))
                .values(expiration=sa.bindparam("_expiration", type_=_STAMP))
            ),
        )
        result = await self.conn.execute(stmt, {"_row_id": lease_id, "_now": now, "_expiration": expiration})
        return result.rowcount > 0

    async def _take(self, lease_ids: Sequence[UUID], expired_before: dt.datetime | None) -> list[ConcurrencyLease]:
        # The links are read first: deleting the lease deletes them.
        links = await self._limit_ids(lease_ids)
        stmt = sa.delete(lease_t).where(lease_t.c.id.in_(list(lease_ids)))
        if expired_before is not None:
            # Checked again here: a renewal since the lease was found keeps it.
            stmt = stmt.where(lease_t.c.expiration < expired_before)
        rows = (await self.conn.execute(stmt.returning(*lease_t.c))).all()
        return [_to_lease(row, links.get(row.id, [])) for row in rows]

    async def take(self, lease_id: UUID) -> ConcurrencyLease | None:
        taken = await self._take([lease_id], None)
        return taken[0] if taken else None

    async def take_expired(self, now: dt.datetime, limit: int) -> list[ConcurrencyLease]:
        stmt = prebuilt(
            ("clease", "expired"),
            lambda: (
                sa.select(lease_t.c.id)
                .where(lease_t.c.expiration < sa.bindparam("_now", type_=lease_t.c.expiration.type))
                .order_by(lease_t.c.expiration)
                .limit(sa.bindparam("_limit"))
            ),
        )
        ids = list((await self.conn.execute(stmt, {"_now": now, "_limit": limit})).scalars())
        return await self._take(ids, now) if ids else []

    async def of_limit(self, limit_id: UUID, now: dt.datetime | None = None) -> list[ConcurrencyLease]:
        stmt = (
            sa.select(lease_t)
            .join(link_t, link_t.c.lease_id == lease_t.c.id)
            .where(link_t.c.limit_id == limit_id)
            .order_by(lease_t.c.created, lease_t.c.id)
        )
        if now is not None:
            stmt = stmt.where(lease_t.c.expiration > now)
        return await self._with_limits((await self.conn.execute(stmt)).all())

    async def holders(self, limit_ids: Sequence[UUID], now: dt.datetime) -> dict[UUID, list[ConcurrencyLeaseHolder]]:
        out: dict[UUID, list[ConcurrencyLeaseHolder]] = defaultdict(list)
        if not limit_ids:
            return out
        stmt = prebuilt(
            ("clease", "holders"),
            lambda: (
                sa.select(link_t.c.limit_id, lease_t.c.holder_type, lease_t.c.holder_id)
                .join(lease_t, link_t.c.lease_id == lease_t.c.id)
                .where(
                    link_t.c.limit_id.in_(sa.bindparam("_ids", expanding=True)),
                    lease_t.c.expiration > sa.bindparam("_now", type_=_STAMP),
                    lease_t.c.holder_type.is_not(None),
                )
                .order_by(lease_t.c.created, lease_t.c.id)
            ),
        )
        for limit_id, kind, holder_id in await self.conn.execute(stmt, {"_ids": list(limit_ids), "_now": now}):
            out[limit_id].append(ConcurrencyLeaseHolder(type=kind, id=holder_id))
        return out

    async def of_holder(
        self, holder: ConcurrencyLeaseHolder | UUID, limit_ids: Sequence[UUID]
    ) -> list[ConcurrencyLease]:
        holder_id = holder.id if isinstance(holder, ConcurrencyLeaseHolder) else holder
        held = sa.select(link_t.c.lease_id).where(link_t.c.limit_id.in_(list(limit_ids)))
        stmt = sa.select(lease_t).where(lease_t.c.holder_id == holder_id, lease_t.c.id.in_(held))
        if isinstance(holder, ConcurrencyLeaseHolder):
            stmt = stmt.where(lease_t.c.holder_type == holder.type)
        return await self._with_limits((await self.conn.execute(stmt.order_by(lease_t.c.created))).all())
