"""CSRF tokens."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_storage_sql import tables
from prefect_storage_sql.repositories.base import SqlRepository, prebuilt

t = tables.csrf_token


class SqlCsrfTokenRepository(SqlRepository):
    async def put(self, client: str, digest: str, expiration: dt.datetime) -> None:
        values = {"token": digest, "expiration": expiration}
        # Update first: a client asks again far more often than it is new.
        update = prebuilt(("csrf_token", "update"), lambda: sa.update(t).where(t.c.client == sa.bindparam("_client")))
        now = timeutil.now()
        result = await self.conn.execute(update, {**values, "updated": now, "_client": client})
        if result.rowcount:
            return
        insert = prebuilt(
            ("csrf_token", "insert", self.support.name), lambda: self.support.insert_ignoring_conflicts(t, ["client"])
        )
        row = {"id": uuid7(), "created": now, "updated": now, "client": client, **values}
        if (await self.conn.execute(insert, row)).rowcount:
            return
        # Another writer inserted this client's row meanwhile: the newest token wins.
        await self.conn.execute(update, {**values, "updated": now, "_client": client})

    async def digest_for(self, client: str, now: dt.datetime) -> str | None:
        stmt = prebuilt(
            ("csrf_token", "digest"),
            lambda: sa.select(t.c.token).where(
                t.c.client == sa.bindparam("_client"), t.c.expiration > sa.bindparam("_now", type_=t.c.expiration.type)
            ),
        )
        return (await self.conn.execute(stmt, {"_client": client, "_now": now})).scalar_one_or_none()

    async def delete_expired(self, now: dt.datetime) -> int:
        stmt = prebuilt(
            ("csrf_token", "expire"),
            lambda: sa.delete(t).where(t.c.expiration < sa.bindparam("_now", type_=t.c.expiration.type)),
        )
        return (await self.conn.execute(stmt, {"_now": now})).rowcount
