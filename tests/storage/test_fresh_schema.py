"""A new SQLite database gets its schema without Alembic (and a restart at head imports
none): the schema is the one the Alembic revisions make, the stamp is Alembic's head, and
Alembic run afterwards finds nothing to apply. The Alembic path itself still yields the
declared tables (on SQLite the suite's other databases no longer go through it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from prefect_storage_sql import tables
from prefect_storage_sql.migrations import (
    alembic_config,
    current_revision,
    head_revision,
    script_directory,
    upgrade_schema,
)
from prefect_storage_sqlite.backend import migrate_database
from prefect_storage_sqlite.fresh_schema import VERSION_TABLE, revision_chain
from prefect_storage_sqlite.settings import SqliteSettings
from tests.conftest import only_on
from tests.support.schema import schema_differences

_on_sqlite = only_on("sqlite")


PRAGMAS = SqliteSettings().pragmas()


def _inspect(path: Path, check: object) -> object:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return check(conn)  # type: ignore[operator]
    finally:
        engine.dispose()


def test_the_revision_chain_read_from_the_files_is_alembics() -> None:
    revisions = [r.revision for r in reversed(list(script_directory().walk_revisions()))]
    assert revision_chain() == revisions
    assert revision_chain()[-1] == head_revision()


def test_a_new_database_made_without_alembic_is_the_migrated_schema(tmp_path: Path) -> None:
    fresh, migrated = tmp_path / "fresh.db", tmp_path / "migrated.db"
    assert migrate_database(f"sqlite:///{fresh}", PRAGMAS) == revision_chain()
    assert migrate_database(f"sqlite:///{migrated}", PRAGMAS, upgrade_schema) == revision_chain()
    for path in (fresh, migrated):
        assert _inspect(path, lambda c: schema_differences(c, tables.metadata)) == []
        assert _inspect(path, current_revision) == head_revision()
        present = _inspect(path, lambda c: set(sa.inspect(c).get_table_names()))
        assert present == set(tables.metadata.tables) | {VERSION_TABLE}
    # Alembic finds the new database complete; reopening it without Alembic changes nothing.
    assert migrate_database(f"sqlite:///{fresh}", PRAGMAS, upgrade_schema) == []
    assert migrate_database(f"sqlite:///{fresh}", PRAGMAS) == []


def test_a_database_behind_head_still_goes_through_alembic(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "behind.db"
    *older, last = revision_chain()

    def upgrade_to_the_one_before_last(conn: sa.Connection) -> list[str]:
        command.upgrade(alembic_config(conn), older[-1])
        return older

    assert migrate_database(f"sqlite:///{path}", PRAGMAS, upgrade_to_the_one_before_last) == older
    assert _inspect(path, current_revision) == older[-1]
    assert migrate_database(f"sqlite:///{path}", PRAGMAS) == [last]  # the default path: Alembic does it
    assert _inspect(path, current_revision) == head_revision()
    assert _inspect(path, lambda c: schema_differences(c, tables.metadata)) == []


def test_the_server_starts_on_a_new_database_without_importing_alembic(tmp_path: Path) -> None:
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from prefect_storage_sqlite.backend import open_sqlite\n"
        "from prefect_storage_sqlite.settings import SqliteSettings\n"
        "async def main():\n"
        f"    async with open_sqlite(Path({str(tmp_path / 'server.db')!r}), SqliteSettings().pragmas()) as s:\n"
        "        await s.ping()\n"
        "asyncio.run(main()); asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako', 'pygments')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout
