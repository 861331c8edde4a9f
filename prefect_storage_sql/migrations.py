"""Embedded migrations: ordered SQL files shipped inside a plugin package.

Each file `NNNN_description.sql` holds statements separated by lines of `;`-ended
SQL. Applied names are recorded in `_migrations`; pending ones run in order, each
in its own transaction, at start-up.
"""

from __future__ import annotations

import importlib.resources
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from prefect_core import timeutil

log = logging.getLogger(__name__)

_NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    name: str
    statements: tuple[str, ...]


def load_migrations(package: str) -> list[Migration]:
    """The migrations shipped in `package` (a dotted package name), in order."""
    folder = importlib.resources.files(package)
    found = []
    for entry in folder.iterdir():
        if _NAME.match(entry.name):
            text = entry.read_text(encoding="utf-8")
            found.append(Migration(entry.name[:-4], tuple(split_statements(text))))
    return sorted(found, key=lambda m: m.name)


def split_statements(text: str) -> list[str]:
    """Split a script on `;` at line ends, dropping `--` comment lines."""
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("--")]
    parts = re.split(r";\s*$", "\n".join(lines), flags=re.M)
    return [p.strip() for p in parts if p.strip()]


_CREATE_LEDGER = "CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR(255) PRIMARY KEY, applied VARCHAR(40) NOT NULL)"


async def applied_migrations(conn: AsyncConnection) -> set[str]:
    await conn.execute(sa.text(_CREATE_LEDGER))
    rows = await conn.execute(sa.text("SELECT name FROM _migrations"))
    return {r[0] for r in rows}


#: Called first in every migration transaction, e.g. to take a lock released at commit.
MigrationLock = Callable[[AsyncConnection], Awaitable[None]]


async def migrate(
    engine: AsyncEngine, migrations: list[Migration], *, lock: MigrationLock | None = None
) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now.

    `lock`, if given, runs at the start of every transaction here, before the ledger
    is read. A backend that several server processes may start at once passes one
    that serialises them (PostgreSQL: `pg_advisory_xact_lock`), so that no two
    processes create the ledger or apply a migration at the same time.
    """
    async with engine.begin() as conn:
        if lock is not None:
            await lock(conn)
        done = await applied_migrations(conn)
    applied_now = []
    for migration in migrations:
        if migration.name in done:
            continue
        async with engine.begin() as conn:
            if lock is not None:
                await lock(conn)
            # Re-check inside the transaction: another server process may have won the race.
            if migration.name in await applied_migrations(conn):
                continue
            for statement in migration.statements:
                await conn.execute(sa.text(statement))
            await conn.execute(
                sa.text("INSERT INTO _migrations (name, applied) VALUES (:n, :a)"),
                {"n": migration.name, "a": timeutil.isoformat(timeutil.now())},
            )
        log.info("applied migration %s", migration.name)
        applied_now.append(migration.name)
    return applied_now
