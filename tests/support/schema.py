"""Comparing a live database's schema with declared tables, and making pre-Alembic databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from prefect_storage_sql.migrations import context_options

LEGACY_DIR = Path(__file__).resolve().parent.parent / "data" / "legacy_schema"


def schema_differences(connection: sa.Connection, metadata: sa.MetaData) -> list[Any]:
    """Alembic's diff of the database against `metadata`, plus what it does not compare.

    compare_metadata covers tables, columns, types, nullability, server defaults,
    indexes, unique constraints and foreign keys (with ON DELETE where the backend
    reflects it: both ours do). It does not compare primary keys, so those, and the
    foreign keys' ON DELETE once more, are checked here by reflection.
    """
    options = {**context_options(metadata), "target_metadata": metadata}
    diff: list[Any] = list(compare_metadata(MigrationContext.configure(connection, opts=options), metadata))
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in present:
            continue  # compare_metadata reported it
        declared_pk = [c.name for c in table.primary_key.columns]
        reflected_pk = inspector.get_pk_constraint(table.name)["constrained_columns"]
        if declared_pk != reflected_pk:
            diff.append(("primary_key", table.name, reflected_pk, declared_pk))
        declared_fks = sorted(_fk(fk) for fk in table.foreign_key_constraints)
        reflected_fks = sorted(
            (
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                (fk.get("options", {}).get("ondelete") or "NO ACTION").upper(),
            )
            for fk in inspector.get_foreign_keys(table.name)
        )
        if declared_fks != reflected_fks:
            diff.append(("foreign_keys", table.name, reflected_fks, declared_fks))
    return diff


def _fk(fk: sa.ForeignKeyConstraint) -> tuple[tuple[str, ...], str, tuple[str, ...], str]:
    return (
        tuple(c.name for c in fk.columns),
        fk.referred_table.name,
        tuple(e.column.name for e in fk.elements),
        (fk.ondelete or "NO ACTION").upper(),
    )


# --- databases as the SQL-file migrations made them ----------------------------------


def legacy_files(dialect: str) -> list[Path]:
    """The hand-kept migration files of `dialect` ("sqlite"/"postgres"), in order."""
    return sorted((LEGACY_DIR / dialect).glob("[0-9][0-9][0-9][0-9]_*.sql"))


def _ledger_sql(names: list[str]) -> list[str]:
    # What the old runner wrote: its ledger table, one row per applied file.
    statements = [
        "CREATE TABLE _migrations (name VARCHAR(255) PRIMARY KEY, applied VARCHAR(40) NOT NULL)",
    ]
    applied = "2024-06-01T12:00:00.000000Z"
    statements += [f"INSERT INTO _migrations (name, applied) VALUES ('{n}', '{applied}')" for n in names]
    return statements


def legacy_script(dialect: str, names: list[str] | None = None, *, rows: bool = True) -> list[str]:
    """SQL that makes a database as the old server left it: schema, ledger, rows.

    `names` picks the applied files (default: all); `rows` adds the rows the old
    server stored through its API: `rows.sql` (needs 0001 to 0004) and `rows_NNNN.sql`
    for each later file NNNN applied.
    """
    files = [p for p in legacy_files(dialect) if names is None or p.stem in names]
    scripts = [p.read_text(encoding="utf-8") for p in files]
    scripts += _ledger_sql([p.stem for p in files])
    if rows:
        folder = LEGACY_DIR / dialect
        extra = [folder / f"rows_{p.stem[:4]}.sql" for p in files]
        scripts += [p.read_text(encoding="utf-8") for p in [folder / "rows.sql", *extra] if p.exists()]
    return scripts


def make_legacy_sqlite(path: Path, names: list[str] | None = None, *, rows: bool = True) -> None:
    """A SQLite file as the old server made it (foreign keys are off on a plain connection)."""
    connection = sqlite3.connect(path)
    try:
        for script in legacy_script("sqlite", names, rows=rows):
            connection.executescript(script)
        connection.commit()
    finally:
        connection.close()


async def make_legacy_postgres(url: str, names: list[str] | None = None, *, rows: bool = True) -> None:
    """A PostgreSQL database as the old server made it."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            for script in legacy_script("postgres", names, rows=rows):
                await connection.execute(script)
    finally:
        await connection.close()
