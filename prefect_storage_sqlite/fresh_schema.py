"""The schema of a new SQLite database, made without Alembic, and the "already at head" check.

Importing Alembic costs the server ~10 MiB of memory for good (Alembic, Mako, and the
Pygments lexers Mako loads), for work that on a new database is `metadata.create_all`
and on a database already at the newest revision is nothing. So: an empty database gets
the declared tables (`prefect_storage_sql.tables`) and is stamped at the head revision;
a database whose `alembic_version` names the head is left alone; anything else (older
revisions, a legacy ledger) goes through Alembic as before. That the declared tables and
the revisions yield the same schema is what `tests/storage/test_migrations.py` and
`tests/storage/test_fresh_schema.py` assert.

The revision chain is read from the revision files themselves (`revision = "NNNN"`,
`down_revision = ...`), without importing them.
"""

from __future__ import annotations

import importlib.resources
import re

import sqlalchemy as sa

from prefect_storage_sql import tables

#: Alembic's own version table (`prefect_storage_sql.migrations.config.VERSION_TABLE`).
VERSION_TABLE = "alembic_version"
_ASSIGNED = re.compile(r"""^(revision|down_revision)\s*=\s*(?:["']([^"']+)["']|None)\s*$""", re.MULTILINE)


def revision_chain() -> list[str]:
    """Every shipped revision id, oldest first (one line of history: a test holds it so)."""
    folder = importlib.resources.files("prefect_storage_sql").joinpath("migrations", "versions")
    parents: dict[str, str | None] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("_"):
            continue
        found = {m.group(1): m.group(2) for m in _ASSIGNED.finditer(entry.read_text(encoding="utf-8"))}
        if found.get("revision"):
            parents[found["revision"]] = found.get("down_revision")
    chain: list[str] = []
    by_parent = {parent: child for child, parent in parents.items()}
    current = by_parent.get(None)
    while current is not None:
        chain.append(current)
        current = by_parent.get(current)
    return chain


def schema_without_alembic(conn: sa.Connection) -> list[str] | None:
    """Create the schema of an empty database (returning the revisions it stands for), or
    do nothing for one at head (returning []); None when Alembic has to do the work."""
    present = set(sa.inspect(conn).get_table_names())
    chain = revision_chain()
    if not present:
        tables.metadata.create_all(conn)
        version = sa.Table(
            VERSION_TABLE,
            sa.MetaData(),
            sa.Column("version_num", sa.String(32), primary_key=True),
        )
        version.create(conn)
        conn.execute(version.insert().values(version_num=chain[-1]))
        return chain
    if VERSION_TABLE in present:
        stamped = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        if stamped == [chain[-1]]:
            return []
    return None
